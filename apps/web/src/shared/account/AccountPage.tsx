// A staff member's own page: password and two-factor sign-in.
import { ChangePasswordForm } from './ChangePasswordForm.tsx';
import { TwoFactorSettings } from './TwoFactorSettings.tsx';

export function AccountPage() {
  return (
    <div className="account-page stack" data-testid="account-page">
      <ChangePasswordForm />
      <TwoFactorSettings />
    </div>
  );
}
