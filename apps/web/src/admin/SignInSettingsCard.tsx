// The clinic-wide sign-in settings an admin changes: two-factor sign-in required for every staff member.
import type { SignInSettings } from '@consulta/protocol';
import { useEffect, useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';

export function SignInSettingsCard() {
  const [settings, setSettings] = useState<SignInSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api
      .getSignInSettings()
      .then(setSettings)
      .catch((err: Error) => setError(err.message));
  }, []);
  const change = async (requireTwoFactor: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setSettings(await api.updateSignInSettings({ body: { requireTwoFactor } }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack" data-testid="sign-in-settings">
      <label className="inline-check">
        <input
          type="checkbox"
          checked={settings?.requireTwoFactor ?? false}
          disabled={!settings || busy}
          onChange={(e) => void change(e.target.checked)}
        />
        Require two-factor sign-in for all staff
      </label>
      <p className="muted">
        Staff without an authenticator app set one up at their next sign-in, before they get in.
      </p>
      <ErrorText error={error} />
    </div>
  );
}
