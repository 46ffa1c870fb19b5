// Staff management: invite by email, change roles, deactivate and reactivate, end someone's sessions.
import { type StaffMember, type StaffRole, StaffRoles } from '@consulta/protocol';
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../shared/api.ts';
import { InviteeFields, noInvitee } from '../shared/InviteeFields.tsx';
import { ErrorText, Status } from '../shared/ui.tsx';
import { DataTable } from './DataTable.tsx';
import { SignInSettingsCard } from './SignInSettingsCard.tsx';
import { useAdminStore } from './store.ts';

export function StaffManagement({ selfId }: { selfId: string }) {
  const staff = useAdminStore((s) => s.staff);
  const error = useAdminStore((s) => s.staffError);
  const loadStaff = useAdminStore((s) => s.loadStaff);
  useEffect(() => {
    void loadStaff();
  }, [loadStaff]);
  return (
    <section className="card stack" aria-labelledby="staff-heading" data-testid="admin-staff">
      <h1 id="staff-heading">Staff ({staff.filter((s) => s.active).length} active)</h1>
      <SignInSettingsCard />
      <InviteStaffForm />
      <ErrorText error={error} />
      <DataTable columns={['Name', 'Email', 'Role', 'State', 'Actions']} rows={staff}>
        {(m) => <StaffRow key={m.id} member={m} self={m.id === selfId} />}
      </DataTable>
    </section>
  );
}

function stateWords(m: StaffMember): string {
  if (!m.active) return 'deactivated';
  const parts = [m.hasPassword || m.singleSignOn ? 'active' : 'invited'];
  if (m.singleSignOn) parts.push('SSO');
  if (m.twoFactor) parts.push('2FA');
  return parts.join(' · ');
}

function StaffRow({ member: m, self }: { member: StaffMember; self: boolean }) {
  const staffAction = useAdminStore((s) => s.staffAction);
  const params = { params: { userId: m.id } };
  const setRole = (role: StaffRole) =>
    void staffAction(() => api.changeStaffRole({ ...params, body: { role } }));
  return (
    <tr data-testid={`staff-${m.email}`}>
      <td>{m.displayName}</td>
      <td>{m.email}</td>
      <td>
        <select
          aria-label={`Role of ${m.displayName}`}
          value={m.role}
          disabled={self}
          onChange={(e) => setRole(e.target.value as StaffRole)}
        >
          <option value="CLINICIAN">Clinician</option>
          <option value="ADMIN">Admin</option>
        </select>
      </td>
      <td>
        <span className={`badge ${m.active ? 'ACTIVE' : 'ENDED'}`}>{stateWords(m)}</span>
      </td>
      <td className="row-actions">
        {self ? (
          <span className="muted">you</span>
        ) : m.active ? (
          <>
            <button type="button" onClick={() => void staffAction(() => api.revokeStaffSessions(params))}>
              Sign out everywhere
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => void staffAction(() => api.deactivateStaff(params))}
            >
              Deactivate
            </button>
          </>
        ) : (
          <button type="button" onClick={() => void staffAction(() => api.reactivateStaff(params))}>
            Reactivate
          </button>
        )}
      </td>
    </tr>
  );
}

function InviteStaffForm() {
  const staffAction = useAdminStore((s) => s.staffAction);
  const [invitee, setInvitee] = useState(noInvitee<StaffRole>('CLINICIAN'));
  const [sent, setSent] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSent(null);
    if (await staffAction(() => api.inviteStaff({ body: invitee }))) {
      setSent(invitee.email);
      setInvitee((now) => noInvitee(now.role));
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Invite a staff member">
      <InviteeFields invitee={invitee} roles={StaffRoles} onChange={setInvitee} />
      <button type="submit" className="primary">
        Invite
      </button>
      {sent ? <Status>Invitation sent to {sent}.</Status> : null}
    </form>
  );
}
