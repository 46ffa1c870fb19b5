// The clinic-wide sign-in settings an admin changes: two-factor sign-in required for every staff member.
import type { SignInSettings } from '@consulta/protocol';
import { useEffect, useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';
import { useBusyAction } from '../shared/use-busy-action.ts';

export function SignInSettingsCard() {
  const [settings, setSettings] = useState<SignInSettings | null>(null);
  const { busy, error, run } = useBusyAction();
  // biome-ignore lint/correctness/useExhaustiveDependencies: loaded once, when the card appears
  useEffect(() => {
    void run(async () => setSettings(await api.getSignInSettings()));
  }, []);
  // The box shows the new state at once (a controlled checkbox would otherwise flip back until the server
  // answers) and returns to the stored one if the change is refused.
  const change = (requireTwoFactor: boolean) => {
    if (!settings || busy) return;
    const before = settings;
    setSettings({ ...settings, requireTwoFactor });
    void run(async () => {
      try {
        setSettings(await api.updateSignInSettings({ body: { requireTwoFactor } }));
      } catch (err) {
        setSettings(before);
        throw err;
      }
    });
  };
  return (
    <div className="stack" data-testid="sign-in-settings">
      <label className="inline-check">
        <input
          type="checkbox"
          checked={settings?.requireTwoFactor ?? false}
          disabled={!settings || busy}
          onChange={(e) => change(e.target.checked)}
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
