// Staff sign-in: email and password, then, for accounts with two-factor sign-in, a code from the authenticator app
// (or a recovery code), or enrolment when the clinic requires two-factor. "Forgot password?" asks for an emailed
// reset link; "Sign in with …" goes through the clinic's identity provider when single sign-on is set up.
import type { StaffApp, StaffUser } from '@consulta/protocol';
import { type FormEvent, useCallback, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { ErrorText } from '../ui.tsx';
import { EnrolmentForm } from './EnrolmentForm.tsx';
import { ForgotPasswordForm } from './ForgotPasswordForm.tsx';
import { accountErrorText, ssoErrorText } from './messages.ts';
import { SsoButton, takeSsoFragment } from './SsoButton.tsx';

type Step = 'password' | 'code' | 'enrol' | 'forgot';

export function SignInForm({
  onSignedIn,
  heading,
  app,
}: {
  onSignedIn(user: StaffUser): void;
  heading: string;
  app: StaffApp;
}) {
  const [sso] = useState(takeSsoFragment);
  const [step, setStep] = useState<Step>(sso.next ?? 'password');
  const back = useCallback(() => setStep('password'), []);
  if (step === 'forgot') return <ForgotPasswordForm onBack={back} />;
  if (step === 'code') return <SecondFactorForm onSignedIn={onSignedIn} onBack={back} />;
  if (step === 'enrol') return <EnrolmentForm onSignedIn={onSignedIn} onBack={back} />;
  return (
    <PasswordForm
      heading={heading}
      app={app}
      initialError={sso.error ? ssoErrorText(sso.error) : null}
      onSignedIn={onSignedIn}
      onSecondFactor={() => setStep('code')}
      onEnrol={() => setStep('enrol')}
      onForgot={() => setStep('forgot')}
    />
  );
}

function PasswordForm(props: {
  heading: string;
  app: StaffApp;
  initialError: string | null;
  onSignedIn(user: StaffUser): void;
  onSecondFactor(): void;
  onEnrol(): void;
  onForgot(): void;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(props.initialError);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await api.signIn({ body: { email, password } }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SECOND_FACTOR_REQUIRED') props.onSecondFactor();
      else if (err instanceof ApiError && err.code === 'TWO_FACTOR_ENROLMENT_REQUIRED') props.onEnrol();
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
        <SsoButton app={props.app} />
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
