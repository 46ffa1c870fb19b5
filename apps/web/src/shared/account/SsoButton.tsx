// "Sign in with <label>": shown when the server has single sign-on configured (GET /api/auth/options). It is a
// plain link: the browser goes to the server's start route, which redirects to the clinic's identity provider.
import { apiUrl, Routes, type StaffApp } from '@consulta/protocol';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';

export function SsoButton({ app }: { app: StaffApp }) {
  const [label, setLabel] = useState<string | null>(null);
  useEffect(() => {
    // No answer (an older server, a network hiccup) simply leaves the password form alone.
    void api
      .signInOptions()
      .then((o) => setLabel(o.sso?.label ?? null))
      .catch(() => {});
  }, []);
  if (!label) return null;
  return (
    <>
      <div className="divider" role="presentation">
        <span>or</span>
      </div>
      <a className="button sso-button" href={apiUrl(Routes.ssoStart, { query: { app } })} data-testid="sso">
        Sign in with {label}
      </a>
    </>
  );
}

/**
 * What the server's single sign-on callback left in the fragment: an error code, or the next step it needs (a
 * code, or two-factor enrolment). Read once and removed, so a reload does not repeat it.
 */
export function takeSsoFragment(): { error: string | null; next: 'code' | 'enrol' | null } {
  const hash = location.hash.slice(1);
  const error = /^sso-error=([A-Z_]+)$/.exec(hash)?.[1] ?? null;
  const next = hash === 'second-factor' ? 'code' : hash === 'two-factor-enrolment' ? 'enrol' : null;
  if (error || next) history.replaceState(null, '', location.pathname + location.search);
  return { error, next };
}
