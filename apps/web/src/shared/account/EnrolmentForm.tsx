// Two-factor required by the clinic and not set up yet: after the password (or the organisation's sign-in) the
// person scans a QR code, confirms with a code, saves the recovery codes, and only then is signed in.
import type { StaffUser, TwoFactorSetup } from '@consulta/protocol';
import { useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { ErrorText, SubmitButton } from '../ui.tsx';
import { useBusyAction } from '../use-busy-action.ts';
import { AccountStep } from './AccountStep.tsx';
import { accountErrorText } from './messages.ts';
import { TotpCodeField, TotpKey } from './TotpFields.tsx';

/** The challenge expired (or was never there): back to the password. */
const challengeGone = (err: unknown) => err instanceof ApiError && err.code === 'UNAUTHENTICATED';

export function EnrolmentForm({ onSignedIn, onBack }: { onSignedIn(user: StaffUser): void; onBack(): void }) {
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [done, setDone] = useState<{ user: StaffUser; recoveryCodes: string[] } | null>(null);
  const [code, setCode] = useState('');
  const { busy, error, setError, submit } = useBusyAction(accountErrorText);
  useEffect(() => {
    api
      .signInEnrolment()
      .then(setSetup)
      .catch((err) => (challengeGone(err) ? onBack() : setError(accountErrorText(err))));
  }, [onBack, setError]);
  const confirm = submit(async () => {
    try {
      setDone(await api.signInEnrolmentConfirm({ body: { code: code.replace(/\s/g, '') } }));
    } catch (err) {
      if (challengeGone(err)) onBack();
      else throw err;
    }
  });
  return (
    <AccountStep name="enrol" heading="Set up two-factor sign-in" onSubmit={confirm} testId="enrolment">
      {done ? (
        <>
          <p>
            <strong>Save these recovery codes</strong> somewhere safe. Each signs you in once if you lose your
            phone. They are shown only now.
          </p>
          <ul className="recovery-codes" data-testid="recovery-codes">
            {done.recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button type="button" className="primary" onClick={() => onSignedIn(done.user)}>
            I saved them — continue
          </button>
        </>
      ) : (
        <>
          <p className="muted">
            Your clinic asks every staff member to use a code from an authenticator app when signing in.
          </p>
          {setup ? <TotpKey setup={setup} /> : null}
          <TotpCodeField value={code} onChange={setCode} />
          <ErrorText error={error} />
          <SubmitButton busy={busy || !setup} busyLabel={setup ? 'Checking…' : 'Loading…'}>
            Turn on and sign in
          </SubmitButton>
        </>
      )}
    </AccountStep>
  );
}
