// The consultation's invitations, each with what became of it and, while it still works, a revoke button.
import type { Invite } from '@consulta/protocol';
import { useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText, Status } from '../shared/ui.tsx';

function inviteState(i: Invite, now: number): 'revoked' | 'expired' | 'opened' | 'sent' {
  if (i.revokedAt) return 'revoked';
  if (Date.parse(i.expiresAt) <= now) return 'expired';
  return i.openedAt ? 'opened' : 'sent';
}

export function Invitations(props: { consultationId: string; invites: Invite[]; onChanged(): void }) {
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const now = Date.now();

  const revoke = async (invite: Invite) => {
    setBusy(invite.id);
    setError(null);
    setStatus(null);
    try {
      await api.revokeInvite({ params: { consultationId: props.consultationId, inviteId: invite.id } });
      setStatus(
        invite.openedAt
          ? `Invitation for ${invite.displayName} revoked: the link no longer works and they were removed from the consultation.`
          : `Invitation for ${invite.displayName} revoked: the link no longer works.`,
      );
      props.onChanged();
    } catch (err) {
      setError(`Could not revoke the invitation for ${invite.displayName}: ${(err as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" aria-labelledby="invites-heading" data-testid="invitations">
      <h2 id="invites-heading">Invitations</h2>
      {props.invites.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="list">
          {props.invites.map((i) => {
            const state = inviteState(i, now);
            return (
              <li key={i.id}>
                <span className="grow">
                  {i.displayName} <span className="muted">{i.email}</span>
                </span>
                <span className={`badge invite-${state}`}>{state}</span>
                {(state === 'sent' || state === 'opened') && (
                  <button
                    type="button"
                    disabled={busy === i.id}
                    onClick={() => void revoke(i)}
                    aria-label={`Revoke invitation for ${i.displayName}`}
                  >
                    {busy === i.id ? 'Revoking…' : 'Revoke'}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {status && <Status>{status}</Status>}
      <ErrorText error={error} />
    </section>
  );
}
