// Invite someone by email: the server sends the link; the token never passes through this page.
import { type GuestRole, GuestRoles } from '@consulta/protocol';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText, Status } from '../shared/ui.tsx';

export function InviteForm({ id, onInvited }: { id: string; onInvited(): void }) {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<GuestRole>('PATIENT');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const sent = useRef<HTMLDivElement>(null);
  // The confirmation is the answer to the click: bring it on screen (clear of the fixed call bar) if it is not.
  useEffect(() => {
    if (status) sent.current?.scrollIntoView({ block: 'nearest' });
  }, [status]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.createInvite({ params: { consultationId: id }, body: { email, displayName, role } });
      setStatus(`Invitation sent to ${email}.`);
      setEmail('');
      setDisplayName('');
      onInvited();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <label>
        Email
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        Name
        <input
          required
          maxLength={100}
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
        />
      </label>
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
      <button type="submit" className="primary">
        Send invitation
      </button>
      <div ref={sent} className="form-outcome">
        {status && <Status>{status}</Status>}
        <ErrorText error={error} />
      </div>
    </form>
  );
}
