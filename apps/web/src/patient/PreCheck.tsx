// Before joining: a live preview, a microphone level meter, the device pickers and a short network check.

import { api } from '../shared/api.ts';
import { DeviceSwitcher } from '../shared/call/DeviceSwitcher.tsx';
import { VideoTile } from '../shared/call/VideoTile.tsx';
import type { LocalMedia } from '../shared/media.ts';
import { useMicLevel } from '../shared/media.ts';
import { ErrorText, LevelMeter, Shell, Status } from '../shared/ui.tsx';
import { type NetworkCheckState, useNetworkCheck } from './network-check.ts';
import { usePatientStore } from './store.ts';

export function PreCheck(props: { title: string; media: LocalMedia; onJoin(): void }) {
  const cameraId = usePatientStore((s) => s.cameraId);
  const micId = usePatientStore((s) => s.micId);
  const setDevices = usePatientStore((s) => s.setDevices);
  const invite = usePatientStore((s) => s.invite);
  const level = useMicLevel(props.media.stream);
  const network = useNetworkCheck(api.turnCredentials);
  return (
    <Shell title={props.title}>
      <section className="card" data-testid="page-precheck" aria-labelledby="precheck-heading">
        <h1 id="precheck-heading">
          Hello {invite?.guest.displayName}, let’s check your camera and microphone
        </h1>
        <div className="precheck">
          <VideoTile stream={props.media.stream} label="Your camera" local testId="preview-tile" />
          <div className="form">
            <ErrorText error={props.media.error} />
            {!props.media.stream && !props.media.error && (
              <Status>Asking for your camera and microphone…</Status>
            )}
            <LevelMeter level={level} />
            <DeviceSwitcher media={props.media} cameraId={cameraId} micId={micId} onChange={setDevices} />
            <NetworkCheck check={network} />
            {/* Sticks to the bottom of a phone's screen until the page is scrolled to it. */}
            <div className="join-bar">
              <button type="button" className="primary" disabled={!props.media.stream} onClick={props.onJoin}>
                Join consultation
              </button>
            </div>
          </div>
        </div>
      </section>
    </Shell>
  );
}

function NetworkCheck({ check }: { check: NetworkCheckState }) {
  return (
    <div className="network-check" data-testid="network-check" role="status" aria-live="polite">
      <h2>Network</h2>
      {check.state === 'running' && <p>Checking your connection to our servers…</p>}
      {check.state === 'failed' && <p>{check.message}</p>}
      {check.state === 'done' && (
        <>
          <p className={`quality ${check.verdict.level}`} data-level={check.verdict.level}>
            {check.verdict.words}
          </p>
          {/* For whoever helps the patient over the phone; the verdict above is the patient's answer. */}
          <details className="muted">
            <summary>Details</summary>
            <ul>
              <li>Relay server (TURN): {check.result.turn ? 'reached' : 'not reached'}</li>
              <li>
                Public address (STUN):{' '}
                {check.result.stun ? 'found' : 'none found (fine when the relay server is reached)'}
              </li>
            </ul>
          </details>
        </>
      )}
    </div>
  );
}
