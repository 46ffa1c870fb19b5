// Who waits to be let in, with admit and deny for each.
import type { Peer } from '@consulta/protocol';

export function WaitingRoom(props: { lobby: Peer[]; onAdmit(id: string): void; onDeny(id: string): void }) {
  return (
    <section className="card" aria-labelledby="lobby-heading" data-testid="waiting-room">
      <h2 id="lobby-heading">Waiting room</h2>
      <div aria-live="polite">
        {props.lobby.length === 0 ? (
          <p className="muted">Nobody is waiting.</p>
        ) : (
          <ul className="list">
            {props.lobby.map((p) => (
              <li key={p.id}>
                <span className="grow">
                  {p.displayName} <span className="badge">{p.role.toLowerCase()}</span>
                </span>
                <span className="row-actions">
                  <button
                    type="button"
                    className="primary"
                    onClick={() => props.onAdmit(p.id)}
                    aria-label={`Admit ${p.displayName}`}
                  >
                    Admit
                  </button>
                  <button
                    type="button"
                    onClick={() => props.onDeny(p.id)}
                    aria-label={`Deny ${p.displayName}`}
                  >
                    Deny
                  </button>
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
