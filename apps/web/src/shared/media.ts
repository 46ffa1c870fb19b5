// Local camera/microphone: capture with the chosen devices, the device lists, and a microphone level meter.
import { useEffect, useRef, useState } from 'react';

export interface LocalMedia {
  stream: MediaStream | null;
  error: string | null;
  cameras: MediaDeviceInfo[];
  mics: MediaDeviceInfo[];
}

/** Captures camera + microphone (re-captures when a device id changes); stops the tracks on unmount. */
export function useLocalMedia(cameraId: string | null, micId: string | null, enabled = true): LocalMedia {
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);

  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    let captured: MediaStream | null = null;
    navigator.mediaDevices
      .getUserMedia({
        audio: micId ? { deviceId: { exact: micId } } : true,
        video: {
          ...(cameraId ? { deviceId: { exact: cameraId } } : {}),
          width: { ideal: 640 },
          height: { ideal: 360 },
        },
      })
      .then(async (s) => {
        if (cancelled) {
          for (const t of s.getTracks()) t.stop();
          return;
        }
        captured = s;
        setStream(s);
        setError(null);
        setDevices(await navigator.mediaDevices.enumerateDevices());
      })
      .catch((err: Error) => {
        if (!cancelled)
          setError(
            err.name === 'NotAllowedError'
              ? 'Camera and microphone access was blocked. Allow it in your browser settings and reload.'
              : `Cannot use your camera or microphone (${err.message}).`,
          );
      });
    return () => {
      cancelled = true;
      if (captured) for (const t of captured.getTracks()) t.stop();
    };
  }, [cameraId, micId, enabled]);

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
