// Staff sign-in: email and password, then, for accounts with two-factor sign-in, a code from the authenticator app
// (or a recovery code). "Forgot password?" asks for an emailed reset link.
import type { StaffUser } from '@consulta/protocol';
import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { ErrorText } from '../ui.tsx';
import { ForgotPasswordForm } from './ForgotPasswordForm.tsx';
import { accountErrorText } from './messages.ts';

type Step = 'password' | 'code' | 'forgot';

export function SignInForm({ onSignedIn, heading }: { onSignedIn(user: StaffUser): void; heading: string }) {
  const [step, setStep] = useState<Step>('password');
  if (step === 'forgot') return <ForgotPasswordForm onBack={() => setStep('password')} />;
  if (step === 'code') return <SecondFactorForm onSignedIn={onSignedIn} onBack={() => setStep('password')} />;
  return (
    <PasswordForm
      heading={heading}
      onSignedIn={onSignedIn}
      onSecondFactor={() => setStep('code')}
      onForgot={() => setStep('forgot')}
    />
  );
}

function PasswordForm(props: {
  heading: string;
  onSignedIn(user: StaffUser): void;
  onSecondFactor(): void;
  onForgot(): void;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await api.signIn({ body: { email, password } }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SECOND_FACTOR_REQUIRED') props.onSecondFactor();
      else setError(accountErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="message-page">
      <form className="card form" onSubmit={submit} aria-labelledby="signin-heading">
        <h1 id="signin-heading">{props.heading}</h1>
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
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorText error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <button type="button" className="link-button" onClick={props.onForgot}>
          Forgot password?
        </button>
      </form>
    </div>
  );
}

function SecondFactorForm({ onSignedIn, onBack }: { onSignedIn(user: StaffUser): void; onBack(): void }) {
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = useRecovery ? { recoveryCode: value.trim() } : { code: value.replace(/\s/g, '') };
      onSignedIn(await api.signInSecondFactor({ body }));
    } catch (err) {
      // The challenge expired (or was never there): start again from the password.
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') onBack();
      else setError(accountErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="message-page">
      <form
        className="card form"
        onSubmit={submit}
        aria-labelledby="code-heading"
        data-testid="second-factor"
      >
        <h1 id="code-heading">Two-factor sign-in</h1>
        <p className="muted">
          {useRecovery
            ? 'Type one of the recovery codes you saved when you turned two-factor sign-in on. Each works once.'
            : 'Open your authenticator app and type the 6-digit code it shows for Consulta.'}
        </p>
        <label>
          {useRecovery ? 'Recovery code' : 'Code'}
          <input
            inputMode={useRecovery ? 'text' : 'numeric'}
            autoComplete="one-time-code"
            pattern={useRecovery ? '[A-Za-z0-9-]{8,32}' : '[0-9 ]{6,7}'}
            required
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </label>
        <ErrorText error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Continue'}
        </button>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setUseRecovery(!useRecovery);
            setValue('');
            setError(null);
          }}
        >
          {useRecovery ? 'Use a code from the app' : 'Lost your phone? Use a recovery code'}
        </button>
      </form>
    </div>
  );
}
