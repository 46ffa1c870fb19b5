// Which route the call's media takes and why, in words (the policy's reasons), with every reason on request.
import type { Plan } from '@consulta/protocol';
import { mainReason, reasonWords, TOPOLOGY_WORDS } from './topology.ts';

export function TopologyIndicator({ plan }: { plan: Plan | null }) {
  if (!plan) return null;
  const reason = mainReason(plan);
  // Several peers can share a reason: say each thing once.
  const more = [...new Set(plan.reasons.slice(1).map((r) => reasonWords(r.code)))];
  return (
    <div className="topology" data-testid="topology">
      <p>
        Route: <span className={`badge ${plan.topology}`}>{TOPOLOGY_WORDS[plan.topology]}</span>{' '}
        <span className="muted">({plan.topology})</span>
        {plan.quality !== 'hd' && (
          <span className="muted">
            {' '}
            · planned quality: {plan.quality === 'audio' ? 'audio only' : plan.quality}
          </span>
        )}
      </p>
      {reason && <p className="muted topology-reason">{reason}</p>}
      {more.length > 0 && (
        <details>
          <summary>Why this route</summary>
          <ul>
            {more.map((words) => (
              <li key={words}>{words}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
