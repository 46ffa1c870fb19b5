// Camera and microphone pickers usable during the call: picking one captures just that device and the engine
// swaps the track on every connection (see useLocalMedia).
import type { LocalMedia } from '../media.ts';
import { DevicePicker } from '../ui.tsx';

export function DeviceSwitcher(props: {
  media: LocalMedia;
  /** The picked devices (null: whatever the browser chose); shown while a switch is under way. */
  cameraId: string | null;
  micId: string | null;
  onChange(patch: { cameraId?: string; micId?: string }): void;
}) {
  const inUse = (kind: 'audio' | 'video') =>
    (kind === 'audio'
      ? props.media.stream?.getAudioTracks()
      : props.media.stream?.getVideoTracks())?.[0]?.getSettings().deviceId ?? null;
  return (
    <div className="device-switcher">
      <DevicePicker
        label="Camera"
        devices={props.media.cameras}
        value={props.cameraId ?? inUse('video')}
        onChange={(cameraId) => props.onChange({ cameraId })}
      />
      <DevicePicker
        label="Microphone"
        devices={props.media.mics}
        value={props.micId ?? inUse('audio')}
        onChange={(micId) => props.onChange({ micId })}
      />
    </div>
  );
}
