// "Forgot password": the server answers the same for every address, so this page says the same too.
import { useState } from 'react';
import { api } from '../api.ts';
import { ErrorText, SubmitButton } from '../ui.tsx';
import { useBusyAction } from '../use-busy-action.ts';
import { AccountField } from './AccountField.tsx';
import { AccountStep } from './AccountStep.tsx';
import { accountErrorText } from './messages.ts';

export function ForgotPasswordForm({ onBack }: { onBack(): void }) {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, submit } = useBusyAction(accountErrorText);
  const onSubmit = submit(async () => {
    await api.forgotPassword({ body: { email } });
    setSent(true);
  });
  return (
    <AccountStep name="forgot" heading="Reset your password" onSubmit={onSubmit} testId="forgot-password">
      {sent ? (
        <p role="status">
          If <strong>{email}</strong> belongs to a staff account, an email with a reset link is on its way.
          The link works once, for an hour.
        </p>
      ) : (
        <>
          <p className="muted">We will email you a link to choose a new password.</p>
          <AccountField label="Email" autoComplete="username" value={email} onChange={setEmail} />
          <ErrorText error={error} />
          <SubmitButton busy={busy} busyLabel="Sending…">
            Email me a link
          </SubmitButton>
        </>
      )}
      <button type="button" className="link-button" onClick={onBack}>
        Back to sign-in
      </button>
    </AccountStep>
  );
}
