// Which route the call's media takes, in words true to what is on screen. Patients get one plain sentence; staff
// get the route and the policy's main reason, with the technical detail (topology code, planned quality, every
// reason) behind "Details".
import type { Plan } from '@consulta/protocol';
import { PATIENT_P2P_RELAYED_WORDS, PATIENT_ROUTE_WORDS, reasonWords, TOPOLOGY_WORDS } from './topology.ts';

const QUALITY_NAMES: Record<Plan['quality'], string> = {
  hd: 'high definition',
  sd: 'standard definition',
  low: 'low definition',
  audio: 'audio only',
};

export function TopologyIndicator(props: {
  plan: Plan | null;
  staff: boolean;
  /** Someone's video is arriving right now: then nothing may say "audio only". */
  videoShown: boolean;
  /** Our side of a link runs through the TURN relay: then "directly" would not be true. */
  relayed: boolean;
}) {
  const { plan, staff, videoShown, relayed } = props;
  if (!plan) return null;
  // The plan's quality is what the policy asks senders for; while video still arrives, it is not what is shown.
  const audioOnly = plan.quality === 'audio' && !videoShown;
  if (!staff) {
    return (
      <div className="topology" data-testid="topology">
        <p className="muted">
          {plan.topology === 'p2p' && relayed
            ? PATIENT_P2P_RELAYED_WORDS
            : PATIENT_ROUTE_WORDS[plan.topology]}
          {audioOnly && ' Sound only for now: the connection is too slow for video.'}
        </p>
      </div>
    );
  }
  // Several peers can share a reason: say each thing once.
  const reasons = [...new Set(plan.reasons.map((r) => reasonWords(r.code)))];
  return (
    <div className="topology" data-testid="topology">
      <p>
        Route: <span className={`badge ${plan.topology}`}>{TOPOLOGY_WORDS[plan.topology]}</span>
        {audioOnly && <span className="muted"> · audio only</span>}
        {reasons[0] && <span className="muted topology-reason"> · {reasons[0]}</span>}
      </p>
      <details>
        <summary>Details</summary>
        <ul>
          <li>
            Topology: <code>{plan.topology}</code> (plan {plan.version})
          </li>
          <li>
            Planned quality: {QUALITY_NAMES[plan.quality]}
            {plan.quality === 'audio' &&
              videoShown &&
              ' (video still arrives: senders have not lowered it yet)'}
          </li>
          {reasons.map((words) => (
            <li key={words}>{words}</li>
          ))}
        </ul>
      </details>
    </div>
  );
}
