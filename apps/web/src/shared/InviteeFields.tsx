// Who is being invited: a name and an email address, the same two fields wherever someone is invited (a patient
// or guest to a consultation, a colleague to staff). Limits come from the protocol's schema.
import { DISPLAY_NAME_MAX_LENGTH } from '@consulta/protocol';

export function InviteeFields(props: {
  displayName: string;
  email: string;
  onDisplayName(value: string): void;
  onEmail(value: string): void;
}) {
  return (
    <>
      <label>
        Name
        <input
          required
          maxLength={DISPLAY_NAME_MAX_LENGTH}
          value={props.displayName}
          onChange={(e) => props.onDisplayName(e.target.value)}
        />
      </label>
      <label>
        Email
        <input type="email" required value={props.email} onChange={(e) => props.onEmail(e.target.value)} />
      </label>
    </>
  );
}
