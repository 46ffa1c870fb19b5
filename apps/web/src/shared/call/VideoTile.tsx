// One video tile: a participant's (or your own) video with their name, connection quality in words and figures,
// a highlight while they speak, and the width it takes on screen reported for the SFU's layer choice.
import { useEffect, useRef } from 'react';
import { describeFigures, QUALITY_WORDS } from './quality.ts';
import type { LinkQuality } from './useQuality.ts';
import { watchLayout } from './watch-layout.ts';

export function VideoTile(props: {
  stream: MediaStream | null;
  label: string;
  local?: boolean;
  /** A shared screen: shown whole (letterboxed), never mirrored or cropped. */
  screen?: boolean;
  testId: string;
  videoOff?: boolean;
  /** They muted their microphone (their declaration, shown on their tile). */
  audioMuted?: boolean;
  /** Their connection is gone for now: the picture is frozen or black until they are back. */
  reconnecting?: boolean;
  speaking?: boolean;
  quality?: LinkQuality | undefined;
  /** Show the connection's figures (RTT, loss, jitter) next to the words: for staff. */
  figures?: boolean;
  names?: ReadonlyMap<string, string>;
  /** Reports the tile's on-screen width (0 when hidden), so the SFU forwards a fitting simulcast layer. */
  onLayout?: (visible: boolean, width: number) => void;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  // The latest callback, read by one observer per tile; reports only changes (each one is a message).
  const onLayout = useRef(props.onLayout);
  onLayout.current = props.onLayout;
  const wantsLayout = props.onLayout !== undefined;
  useEffect(() => {
    const video = ref.current;
    if (!video || !wantsLayout) return;
    let last = '';
    const report = () => {
      // 40 px steps: a window being dragged wider is not a stream of messages.
      const width = Math.round(video.clientWidth / 40) * 40;
      const visible = width > 0 && document.visibilityState === 'visible';
      const key = `${visible}:${width}`;
      if (key === last) return;
      last = key;
      onLayout.current?.(visible, width);
    };
    return watchLayout([video], document, 'visibilitychange', report);
  }, [wantsLayout]);
  useEffect(() => {
    const video = ref.current;
    if (video && video.srcObject !== props.stream) {
      video.srcObject = props.stream;
      if (props.stream) void video.play().catch(() => {});
    }
  }, [props.stream]);
  return (
    <figure
      className={`tile${props.local ? ' local' : ''}${props.screen ? ' screen' : ''}${props.speaking ? ' speaking' : ''}`}
      data-testid={props.testId}
      data-speaking={props.speaking ? 'true' : undefined}
    >
      <video
        ref={ref}
        autoPlay
        playsInline
        muted={props.local ?? false}
        aria-label={`Video of ${props.label}`}
      />
      {props.videoOff && !props.reconnecting && (
        <div className="tile-off" data-testid="camera-off-indicator">
          Camera off
        </div>
      )}
      {props.reconnecting && (
        <div className="tile-reconnecting" role="status" data-testid="reconnecting-indicator">
          Reconnecting…
        </div>
      )}
      <figcaption>
        {/* A long name is cut short (the full name is its title), never the "microphone off" after it. */}
        <span className="tile-name">
          <span className="tile-who" title={props.label}>
            {props.label}
          </span>
          {props.audioMuted && (
            <span className="muted-label" data-testid="muted-indicator">
              {' '}
              · microphone off
            </span>
          )}
          {props.speaking && <span className="speaking-label"> · speaking</span>}
        </span>
        {props.quality && (
          <QualityBadge quality={props.quality} names={props.names} figures={props.figures ?? false} />
        )}
      </figcaption>
    </figure>
  );
}

function QualityBadge({
  quality,
  names,
  figures: withFigures,
}: {
  quality: LinkQuality;
  names?: ReadonlyMap<string, string> | undefined;
  figures: boolean;
}) {
  if (quality.path === 'server') {
    return (
      <span className={`quality ${quality.state === 'receiving' ? 'good' : 'unknown'}`} data-testid="quality">
        Via server · {quality.state === 'receiving' ? 'receiving' : 'no media yet'}
      </span>
    );
  }
  const level =
    quality.state === 'connected'
      ? (quality.reading?.level ?? 'unknown')
      : quality.state === 'failed'
        ? 'poor'
        : 'unknown';
  const words =
    quality.state === 'connected'
      ? QUALITY_WORDS[level]
      : quality.state === 'failed' || quality.state === 'disconnected'
        ? 'Connection interrupted'
        : 'Connecting';
  const figures = withFigures && quality.reading ? describeFigures(quality.reading) : '';
  const via =
    quality.path === 'relayed'
      ? ` · via ${names?.get(quality.viaPeerId ?? '') ?? 'another participant'}`
      : quality.reading?.viaTurn
        ? ' · via relay server'
        : '';
  return (
    <span className={`quality ${level}`} data-testid="quality" data-level={level}>
      <span className="quality-dot" aria-hidden="true" />
      {words}
      {via}
      {figures && <span className="quality-figures"> ({figures})</span>}
    </span>
  );
}
