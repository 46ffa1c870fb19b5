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
  const change = (requireTwoFactor: boolean) =>
    run(async () => setSettings(await api.updateSignInSettings({ body: { requireTwoFactor } })));
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
