// The self view: a small picture of yourself floating in a corner of the tiles, dragged to another corner with a
// finger or the mouse (it snaps to the nearest one), or moved with its button from the keyboard.
import { type PointerEvent, useRef, useState } from 'react';
import { VideoTile } from './VideoTile.tsx';

const CORNERS = ['bottom-right', 'bottom-left', 'top-left', 'top-right'] as const;
type Corner = (typeof CORNERS)[number];

/** Your own picture, wherever it is shown. */
export interface Self {
  stream: MediaStream | null;
  label: string;
  videoOff: boolean;
  speaking: boolean;
}

/** Your own tile: in the grid while nobody else is there, else inside the self view. */
export function SelfTile(self: Self) {
  return <VideoTile {...self} local testId="local-tile" />;
}

export function SelfView(props: Self) {
  const [corner, setCorner] = useState<Corner>('top-right');
  const [drag, setDrag] = useState<{ dx: number; dy: number } | null>(null);
  const start = useRef<{ x: number; y: number; id: number } | null>(null);
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).closest('button')) return;
    start.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const s = start.current;
    if (s?.id === e.pointerId) setDrag({ dx: e.clientX - s.x, dy: e.clientY - s.y });
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    const s = start.current;
    start.current = null;
    setDrag(null);
    if (s?.id !== e.pointerId) return;
    // Snap to the corner of the tiles area nearest to where the middle of the picture was let go.
    const area = e.currentTarget.parentElement?.getBoundingClientRect();
    const box = e.currentTarget.getBoundingClientRect();
    if (!area) return;
    const x = box.left + box.width / 2 < area.left + area.width / 2 ? 'left' : 'right';
    const y = box.top + box.height / 2 < area.top + area.height / 2 ? 'top' : 'bottom';
    setCorner(`${y}-${x}`);
  };
  return (
    <div
      className={`self-view ${corner}${drag ? ' dragging' : ''}`}
      data-testid="self-view"
      style={drag ? { translate: `${drag.dx}px ${drag.dy}px` } : undefined}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
    >
      <SelfTile {...props} />
      <button
        type="button"
        className="self-view-move"
        aria-label="Move your picture to the next corner"
        title="Move your picture"
        onClick={() => setCorner(CORNERS[(CORNERS.indexOf(corner) + 1) % CORNERS.length] ?? 'bottom-right')}
      >
        ⤡
      </button>
    </div>
  );
}
