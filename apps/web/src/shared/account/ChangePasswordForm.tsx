// A signed-in staff member changes their password; their other sessions end (the server does that).
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { ErrorText, Status } from '../ui.tsx';
import { accountErrorText } from './messages.ts';

export function ChangePasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.changePassword({ body: { currentPassword: current, newPassword: next } });
      setCurrent('');
      setNext('');
      setSaved(true);
    } catch (err) {
      setError(accountErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <label>
        Current password
        <input
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <label>
        New password
        <input
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </label>
      <ErrorText error={error} />
      {saved ? <Status>Password changed. Your other sessions were signed out.</Status> : null}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Change password'}
      </button>
    </form>
  );
}
