// What both two-factor enrolment screens show (the account page's and the one sign-in requires): the QR code with
// its key for an authenticator app, and the field for the code the app shows.
import type { TwoFactorSetup } from '@consulta/protocol';

export function TotpKey({ setup }: { setup: Pick<TwoFactorSetup, 'qrSvg' | 'secret'> }) {
  return (
    <>
      {/* An image, not markup in the page: whatever the SVG holds cannot run (the CSP allows data: images). */}
      <img
        className="qr"
        alt="QR code for your authenticator app"
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrSvg)}`}
      />
      <p className="muted">
        Key: <code data-testid="totp-secret">{setup.secret}</code>
      </p>
    </>
  );
}

export function TotpCodeField({ value, onChange }: { value: string; onChange(value: string): void }) {
  return (
    <label>
      Code from the app
      <input
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9 ]{6,7}"
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
