// An account form's email or password input with its label. The autocomplete hint is what lets a password
// manager fill the right field (or offer a new password), so every form says which one it is.
import type { ReactNode } from 'react';

export function AccountField(props: {
  label: ReactNode;
  /** What the browser may fill in; it also makes the field: the username is the email, the rest passwords. */
  autoComplete: 'username' | 'current-password' | 'new-password';
  value: string;
  onChange(value: string): void;
}) {
  return (
    <label>
      {props.label}
      <input
        type={props.autoComplete === 'username' ? 'email' : 'password'}
        autoComplete={props.autoComplete}
        required
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
