// A signed-in staff member changes their password; their other sessions end (the server does that).
import { useState } from 'react';
import { api } from '../api.ts';
import { ErrorText, Status, SubmitButton } from '../ui.tsx';
import { useBusyAction } from '../use-busy-action.ts';
import { AccountField } from './AccountField.tsx';
import { accountErrorText } from './messages.ts';

export function ChangePasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [saved, setSaved] = useState(false);
  const { busy, error, submit } = useBusyAction(accountErrorText);
  const onSubmit = submit(async () => {
    setSaved(false);
    await api.changePassword({ body: { currentPassword: current, newPassword: next } });
    setCurrent('');
    setNext('');
    setSaved(true);
  });
  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <AccountField
        label="Current password"
        autoComplete="current-password"
        value={current}
        onChange={setCurrent}
      />
      <AccountField label="New password" autoComplete="new-password" value={next} onChange={setNext} />
      <ErrorText error={error} />
      {saved ? <Status>Password changed. Your other sessions were signed out.</Status> : null}
      <SubmitButton busy={busy} busyLabel="Saving…">
        Change password
      </SubmitButton>
    </form>
  );
}
