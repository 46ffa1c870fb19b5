// Who is being invited and as what: a name, an email address and a role, the same fields wherever someone is
// invited (a patient or guest to a consultation, a colleague to staff). Limits come from the protocol's schema.
import { DISPLAY_NAME_MAX_LENGTH } from '@consulta/protocol';

/** What an invitation says about the person: the body of both invite requests. */
export interface Invitee<Role extends string> {
  displayName: string;
  email: string;
  role: Role;
}

/** Nobody yet, with a role preselected (kept when the form is cleared for the next person). */
export const noInvitee = <Role extends string>(role: Role): Invitee<Role> => ({
  displayName: '',
  email: '',
  role,
});

/** CLINICIAN reads Clinician. */
const roleWord = (role: string): string => role.charAt(0) + role.slice(1).toLowerCase();

export function InviteeFields<Role extends string>(props: {
  invitee: Invitee<Role>;
  /** The roles offered, in this order. */
  roles: readonly Role[];
  onChange(invitee: Invitee<Role>): void;
}) {
  const { invitee, onChange } = props;
  return (
    <>
      <label>
        Name
        <input
          required
          maxLength={DISPLAY_NAME_MAX_LENGTH}
          value={invitee.displayName}
          onChange={(e) => onChange({ ...invitee, displayName: e.target.value })}
        />
      </label>
      <label>
        Email
        <input
          type="email"
          required
          value={invitee.email}
          onChange={(e) => onChange({ ...invitee, email: e.target.value })}
        />
      </label>
      <label>
        Role
        <select value={invitee.role} onChange={(e) => onChange({ ...invitee, role: e.target.value as Role })}>
          {props.roles.map((r) => (
            <option key={r} value={r}>
              {roleWord(r)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
