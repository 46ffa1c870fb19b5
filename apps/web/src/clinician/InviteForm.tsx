// Invite someone by email: the server sends the link; the token never passes through this page.
import { type GuestRole, GuestRoles } from '@consulta/protocol';
import { useEffect, useRef, useState } from 'react';
import { api } from '../shared/api.ts';
import { InviteeFields, noInvitee } from '../shared/InviteeFields.tsx';
import { ErrorText, Status, SubmitButton } from '../shared/ui.tsx';
import { useBusyAction } from '../shared/use-busy-action.ts';

export function InviteForm({ id, onInvited }: { id: string; onInvited(): void }) {
  const [invitee, setInvitee] = useState(noInvitee<GuestRole>('PATIENT'));
  const [status, setStatus] = useState<string | null>(null);
  const { busy, error, submit } = useBusyAction();
  const sent = useRef<HTMLDivElement>(null);
  // The confirmation is the answer to the click: bring it on screen (clear of the fixed call bar) if it is not.
  useEffect(() => {
    if (status) sent.current?.scrollIntoView({ block: 'nearest' });
  }, [status]);
  const onSubmit = submit(async () => {
    await api.createInvite({ params: { consultationId: id }, body: invitee });
    setStatus(`Invitation sent to ${invitee.email}.`);
    setInvitee((now) => noInvitee(now.role));
    onInvited();
  });
  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <InviteeFields invitee={invitee} roles={GuestRoles} onChange={setInvitee} />
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
