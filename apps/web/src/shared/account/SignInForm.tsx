// Staff sign-in: email and password, then, for accounts with two-factor sign-in, a code from the authenticator app
// (or a recovery code), or enrolment when the clinic requires two-factor. "Forgot password?" asks for an emailed
// reset link; "Sign in with …" goes through the clinic's identity provider when single sign-on is set up.
import type { StaffApp, StaffUser } from '@consulta/protocol';
import { useCallback, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { ErrorText, SubmitButton } from '../ui.tsx';
import { useBusyAction } from '../use-busy-action.ts';
import { AccountField } from './AccountField.tsx';
import { AccountStep } from './AccountStep.tsx';
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
  const { busy, error, submit } = useBusyAction(accountErrorText, props.initialError);
  const onSubmit = submit(async () => {
    try {
      props.onSignedIn(await api.signIn({ body: { email, password } }));
    } catch (err) {
      // Not failures: the account's next step.
      if (err instanceof ApiError && err.code === 'SECOND_FACTOR_REQUIRED') props.onSecondFactor();
      else if (err instanceof ApiError && err.code === 'TWO_FACTOR_ENROLMENT_REQUIRED') props.onEnrol();
      else throw err;
    }
  });
  return (
    <AccountStep name="signin" heading={props.heading} onSubmit={onSubmit}>
      <AccountField label="Email" autoComplete="username" value={email} onChange={setEmail} />
      <AccountField
        label="Password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      <ErrorText error={error} />
      <SubmitButton busy={busy} busyLabel="Signing in…">
        Sign in
      </SubmitButton>
      <button type="button" className="link-button" onClick={props.onForgot}>
        Forgot password?
      </button>
      <SsoButton app={props.app} />
    </AccountStep>
  );
}

function SecondFactorForm({ onSignedIn, onBack }: { onSignedIn(user: StaffUser): void; onBack(): void }) {
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState('');
  const { busy, error, setError, submit } = useBusyAction(accountErrorText);
  const onSubmit = submit(async () => {
    const body = useRecovery ? { recoveryCode: value.trim() } : { code: value.replace(/\s/g, '') };
    try {
      onSignedIn(await api.signInSecondFactor({ body }));
    } catch (err) {
      // The challenge expired (or was never there): start again from the password.
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') onBack();
      else throw err;
    }
  });
  return (
    <AccountStep name="code" heading="Two-factor sign-in" onSubmit={onSubmit} testId="second-factor">
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
      <SubmitButton busy={busy} busyLabel="Checking…">
        Continue
      </SubmitButton>
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
    </AccountStep>
  );
}
