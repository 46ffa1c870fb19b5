// Where emailed account links land (`…/#set-password=<token>`): an invited person's first password, or a reset.
// The token stays in the fragment, which browsers never send to servers; it is posted once, with the password.
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { ErrorText } from '../ui.tsx';
import { accountErrorText } from './messages.ts';

/** The token of an emailed account link in this page's address, if any. */
export const setPasswordToken = (): string | null =>
  /^#set-password=([A-Za-z0-9_-]{22,128})$/.exec(location.hash)?.[1] ?? null;

export function SetPasswordPage({ token, onDone }: { token: string; onDone(): void }) {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== again) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.setPassword({ body: { token, password } });
      // The token is spent: keep it out of the history and the address bar.
      history.replaceState(null, '', location.pathname);
      setDone(true);
    } catch (err) {
      setError(accountErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="message-page">
      <form className="card form" onSubmit={submit} aria-labelledby="set-heading" data-testid="set-password">
        <h1 id="set-heading">Choose your password</h1>
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
            <label>
              New password
              <input
                type="password"
                autoComplete="new-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            <label>
              The same again
              <input
                type="password"
                autoComplete="new-password"
                required
                value={again}
                onChange={(e) => setAgain(e.target.value)}
              />
            </label>
            <ErrorText error={error} />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Set password'}
            </button>
          </>
        )}
      </form>
    </div>
  );
}
