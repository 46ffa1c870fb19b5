// "Forgot password": the server answers the same for every address, so this page says the same too.
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { ErrorText } from '../ui.tsx';
import { accountErrorText } from './messages.ts';

export function ForgotPasswordForm({ onBack }: { onBack(): void }) {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.forgotPassword({ body: { email } });
      setSent(true);
    } catch (err) {
      setError(accountErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="message-page">
      <form
        className="card form"
        onSubmit={submit}
        aria-labelledby="forgot-heading"
        data-testid="forgot-password"
      >
        <h1 id="forgot-heading">Reset your password</h1>
        {sent ? (
          <p role="status">
            If <strong>{email}</strong> belongs to a staff account, an email with a reset link is on its way.
            The link works once, for an hour.
          </p>
        ) : (
          <>
            <p className="muted">We will email you a link to choose a new password.</p>
            <label>
              Email
              <input
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </label>
            <ErrorText error={error} />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Sending…' : 'Email me a link'}
            </button>
          </>
        )}
        <button type="button" className="link-button" onClick={onBack}>
          Back to sign-in
        </button>
      </form>
    </div>
  );
}
