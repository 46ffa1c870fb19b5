// Single sign-on against a real OpenID Connect provider (oidc-provider) on loopback: the whole redirect dance
// through the provider's own login and consent forms, then the callback. Sign-in by verified email, just-in-time
// creation, role mapping from a group claim, refusals (unknown person with just-in-time off, deactivated, no
// mapped group, unverified email) and an ID token with the wrong audience, an expired one, a bad, replayed or
// foreign state, each refused with a typed code and audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ErrorCode, Routes, SSO_ERROR_FRAGMENT } from '@consulta/protocol';
import { apiOf } from '../support/api.ts';
import { HttpClient } from '../support/http.ts';
import { RedirectBrowser, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { freePort, startTestServer, type TestServer } from '../support/server.ts';

let provider: TestOidcProvider;
/** Just-in-time creation on, roles from the `groups` claim. */
let jit: TestServer;
/** Just-in-time creation off. */
let invitedOnly: TestServer;
let admin: ReturnType<typeof apiOf>;

const callbackOf = (port: number) => `http://127.0.0.1:${port}${Routes.ssoCallback.path}`;

before(async () => {
  const [jitPort, invitedPort] = [await freePort(), await freePort()];
  provider = await startOidcProvider([callbackOf(jitPort), callbackOf(invitedPort)]);
  const oidc = (justInTime: boolean) => ({
    enabled: true,
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    scopes: ['openid', 'email', 'profile', 'groups'],
    roleClaim: 'groups',
    roleValues: { admin: ['consulta-admins'], clinician: ['clinicians'] },
    justInTime,
    buttonLabel: 'St Mary’s',
  });
  const common = { email: { smtpUrl: null }, media: { enabled: false } };
  jit = await startTestServer({ port: jitPort, overrides: { ...common, auth: { oidc: oidc(true) } } });
  invitedOnly = await startTestServer({
    port: invitedPort,
    overrides: { ...common, auth: { oidc: oidc(false) } },
  });
  admin = apiOf(await jit.signedIn('ADMIN', 'Ada Admin'));
});
after(async () => {
  await jit?.close();
  await invitedOnly?.close();
  await provider?.close();
});

let people = 0;
/** A person known to the provider; returns the login name its login form takes. */
function providerPerson(
  p: Partial<{ email: string; emailVerified: boolean; name: string; groups: string[] }>,
) {
  const login = `person-${++people}`;
  provider.accounts.set(login, {
    email: p.email ?? `${login}@stmarys.test`,
    emailVerified: p.emailVerified ?? true,
    name: p.name ?? `Dr ${login}`,
    groups: p.groups ?? ['clinicians'],
  });
  return login;
}

/** Signs in through the provider from the clinician app's button; returns where the callback sent the browser. */
async function ssoSignIn(server: TestServer, login: string, browser = new RedirectBrowser()) {
  const start = `${server.url}${Routes.ssoStart.path}?app=clinician`;
  const callback = await browser.signInAtProvider(start, login, `${server.url}${Routes.ssoCallback.path}`);
  const landed = await browser.request(callback);
  assert.equal(landed.status, 302);
  const me = await browser.request(`${server.url}${Routes.me.path}`);
  return {
    browser,
    callback,
    location: landed.location ?? '',
    me:
      me.status === 200
        ? (JSON.parse(me.text) as { kind: string; user: { email: string; role: string } })
        : null,
  };
}

function assertRefused(result: Awaited<ReturnType<typeof ssoSignIn>>, code: ErrorCode) {
  assert.ok(
    result.location.endsWith(`/clinician/#${SSO_ERROR_FRAGMENT}=${code}`),
    `expected ${code}, went to ${result.location}`,
  );
  assert.equal(result.me, null, 'no session');
}

async function lastSsoAudit(server: TestServer) {
  const events = await server.db.prisma.auditEvent.findMany({
    where: { action: 'auth.sso' },
    orderBy: { at: 'desc' },
    take: 1,
  });
  return events[0]!;
}

describe('single sign-on', () => {
  test('the sign-in pages are told the button label', async () => {
    const anonymous = apiOf(new HttpClient(jit.url));
    assert.deepEqual(await anonymous.signInOptions(), { sso: { label: 'St Mary’s' } });
  });

  test('an existing account signs in through the provider by verified email, then by its linked subject', async () => {
    const { email } = await invitedOnly.createStaff('CLINICIAN', 'Dr Existing');
    const login = providerPerson({ email: email.toUpperCase(), groups: ['clinicians'] });
    const first = await ssoSignIn(invitedOnly, login);
    assert.equal(first.location, `${invitedOnly.url}/clinician/`);
    assert.equal(first.me?.user.email, email);
    assert.equal(first.me?.user.role, 'CLINICIAN');
    const user = await invitedOnly.db.prisma.user.findUniqueOrThrow({ where: { email } });
    assert.equal(user.oidcIssuer, provider.issuer);
    assert.equal(user.oidcSubject, login);
    // The provider changes the address; the link by subject still finds the account.
    provider.accounts.get(login)!.email = 'renamed@stmarys.test';
    const second = await ssoSignIn(invitedOnly, login);
    assert.equal(second.me?.user.email, email);
    const audit = await lastSsoAudit(invitedOnly);
    assert.equal(audit.outcome, 'ok');
    assert.equal(audit.targetType, 'session');
  });

  test('with just-in-time creation off an unknown person is refused', async () => {
    const result = await ssoSignIn(invitedOnly, providerPerson({ groups: ['clinicians'] }));
    assertRefused(result, 'SSO_NOT_ALLOWED');
    const audit = await lastSsoAudit(invitedOnly);
    assert.deepEqual(audit.details, { reason: 'unknown-person' });
    assert.equal(audit.outcome, 'denied');
  });

  test('just in time: the group claim makes a clinician or an admin; a changed group changes the role', async () => {
    const doctor = await ssoSignIn(jit, providerPerson({ name: 'Dr New', groups: ['staff', 'clinicians'] }));
    assert.equal(doctor.me?.user.role, 'CLINICIAN');
    const login = providerPerson({ name: 'Ms Boss', groups: ['consulta-admins', 'clinicians'] });
    const boss = await ssoSignIn(jit, login);
    assert.equal(boss.me?.user.role, 'ADMIN');
    const created = await jit.db.prisma.user.findUniqueOrThrow({ where: { email: boss.me!.user.email } });
    assert.equal(created.displayName, 'Ms Boss');
    assert.equal(created.passwordHash, null, 'an SSO-only account has no password');

    // The provider moves her out of the admins: her next sign-in is a clinician's, and her admin session ends.
    provider.accounts.get(login)!.groups = ['clinicians'];
    const demoted = await ssoSignIn(jit, login);
    assert.equal(demoted.me?.user.role, 'CLINICIAN');
    const stale = await boss.browser.request(`${jit.url}${Routes.me.path}`);
    assert.equal(stale.status, 401, 'the session started as an admin ended');
    const { events } = await admin.listAudit({ query: { action: 'staff.role', personId: created.id } });
    const details = events[0]?.details as { from: string; to: string; via: string };
    assert.deepEqual(
      { from: details.from, to: details.to, via: details.via },
      { from: 'ADMIN', to: 'CLINICIAN', via: 'sso' },
    );
  });

  test('refused: no mapped group, an unverified email, a deactivated account', async () => {
    assertRefused(await ssoSignIn(jit, providerPerson({ groups: ['nurses'] })), 'SSO_NOT_ALLOWED');
    assert.deepEqual((await lastSsoAudit(jit)).details, { reason: 'no-role' });

    // An unverified address neither links to the account that has it nor creates one.
    const { email } = await jit.createStaff('CLINICIAN', 'Dr Careful');
    assertRefused(await ssoSignIn(jit, providerPerson({ email, emailVerified: false })), 'SSO_NOT_ALLOWED');
    assert.deepEqual((await lastSsoAudit(jit)).details, { reason: 'no-verified-email' });

    const login = providerPerson({});
    const first = await ssoSignIn(jit, login);
    const user = await jit.db.prisma.user.findUniqueOrThrow({ where: { email: first.me!.user.email } });
    await admin.deactivateStaff({ params: { userId: user.id } });
    assertRefused(await ssoSignIn(jit, login), 'SSO_NOT_ALLOWED');
    assert.deepEqual((await lastSsoAudit(jit)).details, { reason: 'deactivated' });
  });

  test('an ID token for another audience, or expired, is refused', async () => {
    const login = providerPerson({});
    try {
      provider.tamper = (claims) => ({ ...claims, aud: 'another-application' });
      assertRefused(await ssoSignIn(jit, login), 'SSO_FAILED');
      assert.match(reasonOf(await lastSsoAudit(jit)), /^token:.* aud$/);

      const now = Math.floor(Date.now() / 1000);
      provider.tamper = (claims) => ({ ...claims, iat: now - 7200, exp: now - 3600 });
      assertRefused(await ssoSignIn(jit, login), 'SSO_FAILED');
      assert.match(reasonOf(await lastSsoAudit(jit)), /^token:.* exp$/);
    } finally {
      provider.tamper = null;
    }
    // The same person, untampered, gets in: the refusals were about the tokens.
    assert.equal((await ssoSignIn(jit, login)).me?.user.role, 'CLINICIAN');
  });

  test('a changed, foreign or replayed state is refused', async () => {
    const login = providerPerson({});
    const callbackPrefix = `${jit.url}${Routes.ssoCallback.path}`;
    const start = `${jit.url}${Routes.ssoStart.path}?app=clinician`;

    // Changed: the state in the URL is not the one this browser started with.
    const tampered = new RedirectBrowser();
    const url = new URL(await tampered.signInAtProvider(start, login, callbackPrefix));
    url.searchParams.set('state', `${url.searchParams.get('state')}x`);
    assertRefused(await land(tampered, url.href), 'SSO_FAILED');
    assert.equal(reasonOf(await lastSsoAudit(jit)), 'state-mismatch');

    // Foreign: a callback URL opened in another browser (login CSRF: an attacker's sign-in planted in a victim's).
    const attacker = new RedirectBrowser();
    const planted = await attacker.signInAtProvider(start, login, callbackPrefix);
    assertRefused(await land(new RedirectBrowser(), planted), 'SSO_FAILED');

    // Replayed: the same callback, cookie and all, a second time.
    const victim = new RedirectBrowser();
    const callback = await victim.signInAtProvider(start, login, callbackPrefix);
    const cookie = victim.cookieHeader(callback);
    const ok = await land(victim, callback);
    assert.equal(ok.location, `${jit.url}/clinician/`);
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie } });
    assert.equal(replay.status, 302);
    assert.ok(replay.headers.get('location')?.endsWith(`#${SSO_ERROR_FRAGMENT}=SSO_FAILED`));
    assert.equal(
      replay.headers.getSetCookie().some((c) => c.startsWith('consulta_session=')),
      false,
    );
    assert.equal(reasonOf(await lastSsoAudit(jit)), 'state-used-or-expired');
  });

  test('the admin app’s button returns to the admin app', async () => {
    const browser = new RedirectBrowser();
    const start = `${jit.url}${Routes.ssoStart.path}?app=admin`;
    const login = providerPerson({ groups: ['consulta-admins'] });
    const callback = await browser.signInAtProvider(start, login, `${jit.url}${Routes.ssoCallback.path}`);
    assert.equal((await browser.request(callback)).location, `${jit.url}/admin/`);
  });
});

async function land(browser: RedirectBrowser, callback: string) {
  const res = await browser.request(callback);
  const me = await browser.request(`${new URL(callback).origin}${Routes.me.path}`);
  return {
    browser,
    callback,
    location: res.location ?? '',
    me: me.status === 200 ? JSON.parse(me.text) : null,
  };
}

function reasonOf(event: { details: unknown }): string {
  return String((event.details as { reason?: string } | null)?.reason ?? '');
}
