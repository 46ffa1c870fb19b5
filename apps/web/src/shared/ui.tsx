// Small UI pieces shared by the apps.
import type { StaffUser } from '@consulta/protocol';
import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError, api } from './api.ts';
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
        <span className="topbar-title">{title}</span>
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

export function ErrorText({ error }: { error: string | null }) {
  return error ? (
    <p className="error-text" role="alert">
      {error}
    </p>
  ) : null;
}

export function SignInForm({ onSignedIn, heading }: { onSignedIn(user: StaffUser): void; heading: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn({ body: { email, password } }));
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'INVALID_CREDENTIALS'
          ? 'Wrong email or password.'
          : err instanceof ApiError && err.code === 'RATE_LIMITED'
            ? 'Too many attempts; wait a minute and try again.'
            : (err as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="message-page">
      <form className="card form" onSubmit={submit} aria-labelledby="signin-heading">
        <h1 id="signin-heading">{heading}</h1>
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
      </form>
    </div>
  );
}

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
