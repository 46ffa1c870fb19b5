// Two-factor sign-in: enrol by scanning the QR code (or typing the secret) and confirming with a code, then save
// the recovery codes shown once; or turn it off with the password.
import type { Account, TwoFactorSetup } from '@consulta/protocol';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { ErrorText } from '../ui.tsx';
import { useBusyAction } from '../use-busy-action.ts';
import { AccountField } from './AccountField.tsx';
import { accountErrorText } from './messages.ts';
import { TotpCodeField, TotpKey } from './TotpFields.tsx';

export function TwoFactorSettings() {
  const [account, setAccount] = useState<Account | null>(null);
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [value, setValue] = useState('');
  const { busy, error, setError, run, submit } = useBusyAction(accountErrorText);
  const load = useCallback(() => {
    api.getAccount().then(setAccount, (err: unknown) => setError(accountErrorText(err)));
  }, [setError]);
  useEffect(load, [load]);

  const start = () => run(async () => setSetup(await api.setupTwoFactor()));
  const confirm = submit(async () => {
    const reply = await api.confirmTwoFactor({ body: { code: value.replace(/\s/g, '') } });
    setCodes(reply.recoveryCodes);
    setSetup(null);
    setValue('');
    load();
  });
  const disable = submit(async () => {
    await api.disableTwoFactor({ body: { password: value } });
    setValue('');
    setCodes(null);
    load();
  });

  return (
    <section className="card form" aria-labelledby="two-factor-heading" data-testid="two-factor">
      <h2 id="two-factor-heading">Two-factor sign-in</h2>
      {codes ? (
        <div data-testid="recovery-codes">
          <p>
            <strong>Save these recovery codes</strong> somewhere safe (printed, or in a password manager).
            Each signs you in once if you lose your phone. They are shown only now.
          </p>
          <ul className="recovery-codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {!account ? null : account.twoFactor ? (
        <form onSubmit={disable} className="form">
          <p role="status">
            On. Sign-in asks for a code from your authenticator app ({account.recoveryCodesLeft} recovery
            codes left).
          </p>
          <AccountField
            label="Password, to turn it off"
            autoComplete="current-password"
            value={value}
            onChange={setValue}
          />
          <ErrorText error={error} />
          <button type="submit" disabled={busy}>
            Turn off
          </button>
        </form>
      ) : setup ? (
        <form onSubmit={confirm} className="form">
          <p>
            Scan this code with your authenticator app (or type the key below), then enter the code it shows.
          </p>
          <TotpKey setup={setup} />
          <TotpCodeField value={value} onChange={setValue} />
          <ErrorText error={error} />
          <button type="submit" className="primary" disabled={busy}>
            Turn on
          </button>
        </form>
      ) : (
        <>
          <p className="muted">Off. With it on, signing in also needs a code from an app on your phone.</p>
          <ErrorText error={error} />
          <button type="button" className="primary" onClick={() => void start()} disabled={busy}>
            Set up two-factor sign-in
          </button>
        </>
      )}
    </section>
  );
}
