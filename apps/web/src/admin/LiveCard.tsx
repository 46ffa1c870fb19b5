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

/**
 * A person's receive latency (their slowest incoming stream, receive side only), marked slow when it alone is over
 * the one-way budget: glass-to-glass is then over it for sure (capture and encode come on top).
 */
function ReceiveLatency({ ms, budgetMs }: { ms: number | null; budgetMs: number | null }) {
  if (ms === null) return null;
  const slow = budgetMs !== null && ms > budgetMs;
  return (
    <span
      className={slow ? 'latency-slow' : 'muted'}
      data-testid="live-latency"
      title="Delay on the slowest stream this person receives (jitter buffer, network and decoding)"
    >
      {' · '}
      {slow ? `slow route: ${ms} ms delay (budget ${budgetMs} ms)` : `${ms} ms delay`}
    </span>
  );
}

export function LiveCard({
  live,
  skewMs,
  latencyBudgetMs,
}: {
  live: LiveConsultation;
  skewMs: number;
  latencyBudgetMs: number | null;
}) {
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
            <ReceiveLatency ms={p.receiveLatencyMs} budgetMs={latencyBudgetMs} />
          </li>
        ))}
        {live.waiting > 0 && <li className="muted">{live.waiting} in the waiting room</li>}
      </ul>
    </div>
  );
}
