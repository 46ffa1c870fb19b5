// Video tiles: the local preview and one tile per remote participant, with their connection quality in words and
// a highlight on whoever is speaking.
import { useEffect, useRef } from 'react';
import type { RemoteTile } from '../store.ts';
import { describeFigures, QUALITY_WORDS } from './quality.ts';
import type { LinkQuality } from './useQuality.ts';

export function VideoTile(props: {
  stream: MediaStream | null;
  label: string;
  local?: boolean;
  testId: string;
  videoOff?: boolean;
  speaking?: boolean;
  quality?: LinkQuality | undefined;
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
    const observer = new ResizeObserver(report);
    observer.observe(video);
    document.addEventListener('visibilitychange', report);
    return () => {
      observer.disconnect();
      document.removeEventListener('visibilitychange', report);
    };
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
      className={`tile${props.local ? ' local' : ''}${props.speaking ? ' speaking' : ''}`}
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
      {props.videoOff && <div className="tile-off">Camera off</div>}
      <figcaption>
        <span className="tile-name">
          {props.label}
          {props.speaking && <span className="speaking-label"> · speaking</span>}
        </span>
        {props.quality && <QualityBadge quality={props.quality} names={props.names} />}
      </figcaption>
    </figure>
  );
}

function QualityBadge({ quality, names }: { quality: LinkQuality; names?: ReadonlyMap<string, string> }) {
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
  const figures = quality.reading ? describeFigures(quality.reading) : '';
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

export function Tiles(props: {
  local: MediaStream | null;
  localLabel: string;
  selfId: string | null;
  videoOff: boolean;
  remote: RemoteTile[];
  names: ReadonlyMap<string, string>;
  activeSpeakerId: string | null;
  quality: ReadonlyMap<string, LinkQuality>;
  onTileLayout?: (streamId: string, visible: boolean, width: number) => void;
}) {
  const { onTileLayout } = props;
  return (
    <section className="tiles" aria-label="Video">
      {props.remote.map((r) => (
        <VideoTile
          key={r.streamId}
          stream={r.stream}
          label={props.names.get(r.streamId) ?? 'Participant'}
          testId="remote-tile"
          speaking={props.activeSpeakerId === r.streamId}
          quality={props.quality.get(r.streamId)}
          names={props.names}
          {...(onTileLayout
            ? { onLayout: (visible: boolean, width: number) => onTileLayout(r.streamId, visible, width) }
            : {})}
        />
      ))}
      <VideoTile
        stream={props.local}
        label={props.localLabel}
        local
        testId="local-tile"
        videoOff={props.videoOff}
        speaking={props.selfId !== null && props.activeSpeakerId === props.selfId}
      />
    </section>
  );
}
