// One consultation in a call now: who is in it (name and role, connected or reconnecting, muted), the route and
// the routing policy's reason, how long it has run and whether it is being recorded.
import type { LiveConsultation } from '@consulta/protocol';
import { useEffect, useState } from 'react';
import { reasonWords, TOPOLOGY_WORDS } from '../shared/call/topology.ts';
import { formatDuration } from './format.ts';

const ROLE_WORDS: Record<LiveConsultation['participants'][number]['role'], string> = {
  CLINICIAN: 'clinician',
  ADMIN: 'admin',
  PATIENT: 'patient',
  FAMILY: 'family',
  INTERPRETER: 'interpreter',
  COLLEAGUE: 'colleague',
};

const RECORDING_WORDS: Record<LiveConsultation['recording'], string> = {
  off: 'not recording',
  requested: 'asking for consent to record',
  running: 'recording',
};

/** Re-renders every second while mounted, for a running duration. */
function useNow(skewMs: number): number {
  const [now, setNow] = useState(() => Date.now() - skewMs);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() - skewMs), 1000);
    return () => clearInterval(timer);
  }, [skewMs]);
  return now;
}

export function LiveCard({ live, skewMs }: { live: LiveConsultation; skewMs: number }) {
  const now = useNow(skewMs);
  const reason = live.plan.reasons[0];
  return (
    <div className="card live-card" data-testid="live-card">
      <p className="live-head">
        <strong>{live.title}</strong> <span className="muted">with {live.clinicianName}</span>
      </p>
      <p>
        <span data-testid="live-duration">
          {live.startedAt ? formatDuration(now - Date.parse(live.startedAt)) : 'not started'}
        </span>
        {' · '}
        <span className={`badge ${live.plan.topology}`}>{TOPOLOGY_WORDS[live.plan.topology]}</span>{' '}
        <code>{live.plan.topology}</code>
        {' · '}
        <span className={`badge rec-${live.recording}`} data-testid="live-recording">
          {RECORDING_WORDS[live.recording]}
        </span>
      </p>
      {reason && <p className="muted">{reasonWords(reason.code)}</p>}
      <ul className="live-people" aria-label={`People in ${live.title}`}>
        {live.participants.map((p) => (
          <li key={p.id}>
            {p.displayName} <span className="muted">({ROLE_WORDS[p.role]})</span>
            {!p.connected && <span className="muted"> · reconnecting</span>}
            {p.media?.audioMuted && <span className="muted"> · muted</span>}
            {p.media?.videoMuted && <span className="muted"> · camera off</span>}
            {p.media?.screenSharing && <span className="muted"> · sharing screen</span>}
          </li>
        ))}
        {live.waiting > 0 && <li className="muted">{live.waiting} in the waiting room</li>}
      </ul>
    </div>
  );
}
