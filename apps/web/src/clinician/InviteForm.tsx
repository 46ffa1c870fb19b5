// Invite someone by email: the server sends the link; the token never passes through this page.
import { type GuestRole, GuestRoles } from '@consulta/protocol';
import { useEffect, useRef, useState } from 'react';
import { api } from '../shared/api.ts';
import { InviteeFields } from '../shared/InviteeFields.tsx';
import { ErrorText, Status, SubmitButton } from '../shared/ui.tsx';
import { useBusyAction } from '../shared/use-busy-action.ts';

export function InviteForm({ id, onInvited }: { id: string; onInvited(): void }) {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<GuestRole>('PATIENT');
  const [status, setStatus] = useState<string | null>(null);
  const { busy, error, submit } = useBusyAction();
  const sent = useRef<HTMLDivElement>(null);
  // The confirmation is the answer to the click: bring it on screen (clear of the fixed call bar) if it is not.
  useEffect(() => {
    if (status) sent.current?.scrollIntoView({ block: 'nearest' });
  }, [status]);
  const onSubmit = submit(async () => {
    await api.createInvite({ params: { consultationId: id }, body: { email, displayName, role } });
    setStatus(`Invitation sent to ${email}.`);
    setEmail('');
    setDisplayName('');
    onInvited();
  });
  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <InviteeFields
        displayName={displayName}
        email={email}
        onDisplayName={setDisplayName}
        onEmail={setEmail}
      />
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as GuestRole)}>
          {GuestRoles.map((r) => (
            <option key={r} value={r}>
              {r.charAt(0) + r.slice(1).toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <SubmitButton busy={busy} busyLabel="Sending…">
        Send invitation
      </SubmitButton>
      <div ref={sent} className="form-outcome">
        {status && <Status>{status}</Status>}
        <ErrorText error={error} />
      </div>
    </form>
  );
}
