// Where emailed account links land (`…/#set-password=<token>`): an invited person's first password, or a reset.
// The token stays in the fragment, which browsers never send to servers; it is posted once, with the password.
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { ErrorText, SubmitButton } from '../ui.tsx';
import { useBusyAction } from '../use-busy-action.ts';
import { AccountField } from './AccountField.tsx';
import { AccountStep } from './AccountStep.tsx';
import { accountErrorText } from './messages.ts';

/** The token of an emailed account link in this page's address, if any. */
export const setPasswordToken = (): string | null =>
  /^#set-password=([A-Za-z0-9_-]{22,128})$/.exec(location.hash)?.[1] ?? null;

export function SetPasswordPage({ token, onDone }: { token: string; onDone(): void }) {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, setError, submit } = useBusyAction(accountErrorText);
  const onSubmit = (e: FormEvent) => {
    if (password !== again) {
      e.preventDefault();
      setError('The two passwords differ.');
      return;
    }
    submit(async () => {
      await api.setPassword({ body: { token, password } });
      // The token is spent: keep it out of the history and the address bar.
      history.replaceState(null, '', location.pathname);
      setDone(true);
    })(e);
  };
  return (
    <AccountStep name="set" heading="Choose your password" onSubmit={onSubmit} testId="set-password">
      {done ? (
        <>
          <p role="status">Your password is set. You are signed out everywhere else.</p>
          <button type="button" className="primary" onClick={onDone}>
            Sign in
          </button>
        </>
      ) : (
        <>
          <p className="muted">
            At least 10 characters. A few unrelated words are strong and easy to remember; names, dates and
            common passwords are not.
          </p>
          <AccountField
            label="New password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
          />
          <AccountField
            label="The same again"
            autoComplete="new-password"
            value={again}
            onChange={setAgain}
          />
          <ErrorText error={error} />
          <SubmitButton busy={busy} busyLabel="Saving…">
            Set password
          </SubmitButton>
        </>
      )}
    </AccountStep>
  );
}
