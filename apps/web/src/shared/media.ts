// Local camera/microphone: capture, switching one device at a time, the device lists, and a microphone level meter.
import { useEffect, useRef, useState } from 'react';

export interface LocalMedia {
  stream: MediaStream | null;
  error: string | null;
  cameras: MediaDeviceInfo[];
  mics: MediaDeviceInfo[];
}

const VIDEO = { width: { ideal: 640 }, height: { ideal: 360 } } as const;

const videoConstraints = (cameraId: string | null): MediaTrackConstraints => ({
  ...(cameraId ? { deviceId: { exact: cameraId } } : {}),
  ...VIDEO,
});
const audioConstraints = (micId: string | null): MediaTrackConstraints | true =>
  micId ? { deviceId: { exact: micId } } : true;

function captureError(err: Error, what: string): string {
  if (err.name === 'NotAllowedError')
    return `${what} access was blocked. Allow it in your browser settings and reload.`;
  if (err.name === 'NotFoundError' || err.name === 'OverconstrainedError')
    return `That ${what.toLowerCase()} is not available any more. Pick another one.`;
  return `Cannot use your ${what.toLowerCase()} (${err.message}).`;
}

/**
 * Captures camera + microphone once, then follows device changes by capturing only the changed kind and
 * handing out a new MediaStream with the new track next to the kept one: the call engine swaps the track on
 * its connections (replaceTrack), so switching never restarts the call. Stops the tracks on unmount.
 */
export function useLocalMedia(cameraId: string | null, micId: string | null, enabled = true): LocalMedia {
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const wanted = useRef({ cameraId, micId });
  wanted.current = { cameraId, micId };
  const current = useRef<MediaStream | null>(null);
  /** Bumped by every capture; a capture that is no longer the latest gives its tracks back. */
  const generation = useRef(0);

  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    const refreshDevices = () =>
      void navigator.mediaDevices.enumerateDevices().then((d) => {
        if (!cancelled) setDevices(d);
      });
    const gen = ++generation.current;
    navigator.mediaDevices
      .getUserMedia({
        audio: audioConstraints(wanted.current.micId),
        video: videoConstraints(wanted.current.cameraId),
      })
      .then((s) => {
        if (cancelled || gen !== generation.current) {
          for (const t of s.getTracks()) t.stop();
          return;
        }
        current.current = s;
        setStream(s);
        setError(null);
        refreshDevices();
      })
      .catch((err: Error) => {
        if (!cancelled) setError(captureError(err, 'Camera and microphone'));
      });
    navigator.mediaDevices.addEventListener('devicechange', refreshDevices);
    return () => {
      cancelled = true;
      generation.current++;
      navigator.mediaDevices.removeEventListener('devicechange', refreshDevices);
      if (current.current) for (const t of current.current.getTracks()) t.stop();
      current.current = null;
      setStream(null);
    };
  }, [enabled]);

  // A picked device that differs from the one in use: capture just that kind and swap it in.
  useEffect(() => {
    if (!stream) return;
    const switches: Array<{ kind: 'audio' | 'video'; id: string }> = [];
    const inUse = (kind: 'audio' | 'video') =>
      (kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks())[0]?.getSettings().deviceId;
    if (cameraId && inUse('video') !== cameraId) switches.push({ kind: 'video', id: cameraId });
    if (micId && inUse('audio') !== micId) switches.push({ kind: 'audio', id: micId });
    const next = switches[0];
    if (!next) return;
    const gen = ++generation.current;
    navigator.mediaDevices
      .getUserMedia(
        next.kind === 'video' ? { video: videoConstraints(next.id) } : { audio: audioConstraints(next.id) },
      )
      .then((captured) => {
        const track = captured.getTracks()[0];
        if (gen !== generation.current || current.current !== stream || !track) {
          for (const t of captured.getTracks()) t.stop();
          return;
        }
        const old = stream.getTracks().filter((t) => t.kind === next.kind);
        const kept = stream.getTracks().filter((t) => t.kind !== next.kind);
        const replaced = new MediaStream([...kept, track]);
        current.current = replaced;
        setStream(replaced);
        setError(null);
        for (const t of old) t.stop();
      })
      .catch((err: Error) => {
        if (gen === generation.current)
          setError(captureError(err, next.kind === 'video' ? 'Camera' : 'Microphone'));
      });
  }, [stream, cameraId, micId]);

  return {
    stream,
    error,
    cameras: devices.filter((d) => d.kind === 'videoinput'),
    mics: devices.filter((d) => d.kind === 'audioinput'),
  };
}

/** Microphone level 0..1 from an AnalyserNode, updated per animation frame. */
export function useMicLevel(stream: MediaStream | null): number {
  const [level, setLevel] = useState(0);
  const frame = useRef(0);
  useEffect(() => {
    if (!stream || stream.getAudioTracks().length === 0) return;
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    const tick = () => {
      analyser.getByteTimeDomainData(data);
      let sum = 0;
      for (const v of data) sum += ((v - 128) / 128) ** 2;
      setLevel(Math.min(1, Math.sqrt(sum / data.length) * 4));
      frame.current = requestAnimationFrame(tick);
    };
    void ctx.resume().catch(() => {});
    tick();
    return () => {
      cancelAnimationFrame(frame.current);
      source.disconnect();
      void ctx.close();
    };
  }, [stream]);
  return level;
}

export function setTracksEnabled(
  stream: MediaStream | null,
  kind: 'audio' | 'video',
  enabled: boolean,
): void {
  if (!stream) return;
  for (const t of kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks()) t.enabled = enabled;
}
