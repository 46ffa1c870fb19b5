// Small UI pieces shared by the apps.
import type { ReactNode } from 'react';
import './styles.css';

export function Shell({
  title,
  children,
  actions,
}: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Consulta</span>
        <span className="topbar-title" title={title}>
          {title}
        </span>
        <span className="topbar-actions">{actions}</span>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

/** A full-page message: invalid links, ended consultations, errors. */
export function MessagePage(props: {
  testId: string;
  title: string;
  children?: ReactNode;
  tone?: 'info' | 'error';
}) {
  return (
    <div className="message-page" data-testid={props.testId}>
      <div
        className={`card message ${props.tone ?? 'info'}`}
        role={props.tone === 'error' ? 'alert' : 'status'}
      >
        <h1>{props.title}</h1>
        {props.children}
      </div>
    </div>
  );
}

export function Status({ children }: { children: ReactNode }) {
  return (
    <p className="status" role="status" aria-live="polite">
      {children}
    </p>
  );
}

/** A form's main button: disabled and saying what is happening while the form's call runs. */
export function SubmitButton({
  busy,
  busyLabel,
  children,
}: {
  busy: boolean;
  busyLabel: string;
  children: ReactNode;
}) {
  return (
    <button type="submit" className="primary" disabled={busy}>
      {busy ? busyLabel : children}
    </button>
  );
}

export function ErrorText({ error }: { error: string | null }) {
  return error ? (
    <p className="error-text" role="alert">
      {error}
    </p>
  ) : null;
}

// The staff sign-in (password, then a code when two-factor sign-in is on; forgot password) lives in account/.
export { SignInForm } from './account/SignInForm.tsx';

export function LevelMeter({ level }: { level: number }) {
  const pct = Math.round(level * 100);
  return (
    <div className="meter-row">
      <span id="mic-level-label">Microphone level</span>
      <meter
        className="meter"
        min={0}
        max={100}
        value={pct}
        aria-labelledby="mic-level-label"
        data-testid="mic-level"
      />
    </div>
  );
}

export function DevicePicker(props: {
  label: string;
  devices: MediaDeviceInfo[];
  value: string | null;
  onChange(id: string): void;
}) {
  return (
    <label>
      {props.label}
      <select
        aria-label={props.label}
        value={props.value ?? props.devices[0]?.deviceId ?? ''}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {props.devices.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || `${props.label} ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}
