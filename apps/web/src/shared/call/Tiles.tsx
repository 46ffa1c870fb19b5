// Video tiles: one per remote participant in a grid sized to the screen, and your own picture floating small in a
// corner (or large while you are alone).

import type { MediaState } from '@consulta/protocol';
import { useRef } from 'react';
import type { RemoteTile } from '../store.ts';
import { type Self, SelfTile, SelfView } from './SelfView.tsx';
import { bestGrid } from './tile-grid.ts';
import { useFitHeight } from './useFitHeight.ts';
import type { LinkQuality } from './useQuality.ts';
import { VideoTile } from './VideoTile.tsx';

export function Tiles(props: {
  local: MediaStream | null;
  localLabel: string;
  selfId: string | null;
  videoOff: boolean;
  remote: RemoteTile[];
  /** A shared screen to show large (the people then go small in a strip below it). */
  screen?: { stream: MediaStream; label: string } | null;
  names: ReadonlyMap<string, string>;
  /** What each participant declared they send (mute, camera off), by participant id. */
  media: ReadonlyMap<string, MediaState>;
  /** Participants whose connection is gone for now (their place is kept while they reconnect). */
  reconnecting?: ReadonlySet<string>;
  activeSpeakerId: string | null;
  quality: ReadonlyMap<string, LinkQuality>;
  /** Show round-trip time, loss and jitter (staff only). */
  figures: boolean;
  onTileLayout?: (streamId: string, visible: boolean, width: number) => void;
}) {
  const { onTileLayout } = props;
  const area = useRef<HTMLElement>(null);
  const size = useFitHeight(area);
  // Alone means nobody else in the room: while others are in it but their video is (re)connecting, your picture
  // stays small instead of filling the screen for a moment.
  const alone = props.remote.length === 0 && props.names.size === 0;
  // Alone (waiting for others), your own picture is the one to look at; with others it floats small in a corner.
  const grid = bestGrid(Math.max(1, props.remote.length), size.width, size.height);
  const self: Self = {
    stream: props.local,
    label: props.localLabel,
    videoOff: props.videoOff,
    speaking: props.selfId !== null && props.activeSpeakerId === props.selfId,
  };
  const screen = props.screen ?? null;
  const people = props.remote.map((r) => (
    <VideoTile
      key={r.streamId}
      stream={r.stream}
      label={props.names.get(r.streamId) ?? 'Participant'}
      testId="remote-tile"
      videoOff={props.media.get(r.streamId)?.videoMuted ?? false}
      audioMuted={props.media.get(r.streamId)?.audioMuted ?? false}
      reconnecting={props.reconnecting?.has(r.streamId) ?? false}
      speaking={props.activeSpeakerId === r.streamId}
      quality={props.quality.get(r.streamId)}
      figures={props.figures}
      names={props.names}
      {...(onTileLayout
        ? { onLayout: (visible: boolean, width: number) => onTileLayout(r.streamId, visible, width) }
        : {})}
    />
  ));
  return (
    <section
      ref={area}
      className={screen ? 'tiles with-screen' : 'tiles'}
      aria-label="Video"
      data-count={props.remote.length}
      style={{
        height: size.height || undefined,
        ...(screen
          ? {}
          : {
              gridTemplateColumns: `repeat(${grid.columns}, minmax(0, 1fr))`,
              gridTemplateRows: `repeat(${grid.rows}, minmax(0, 1fr))`,
            }),
      }}
    >
      {screen ? (
        <>
          <VideoTile stream={screen.stream} label={screen.label} testId="screen-tile" screen />
          <div className="people-strip">{people}</div>
        </>
      ) : (
        people
      )}
      {alone ? <SelfTile {...self} /> : <SelfView {...self} />}
    </section>
  );
}
