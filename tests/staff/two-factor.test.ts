// Two-factor sign-in (TOTP) against the real server: enrolment with a code computed here (otplib, as an
// authenticator app would), sign-in with the second step, a reused or stale code refused, recovery codes that work
// once, the secret encrypted at rest, guessing slowed by the limits, and disabling only with the password.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { apiOf } from '../support/api.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { rejectsWith } from './support.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({
    overrides: {
      media: { enabled: false },
      // A few free failures, then delays: the brute-force test reaches them quickly.
      auth: { signInLimits: { failuresBeforeDelay: 3, maxDelaySeconds: 60 } },
    },
  });
});
after(() => server?.close());

const now = () => Math.floor(Date.now() / 1000);
/** The code an authenticator shows `stepsFromNow` 30-second steps from now. */
const codeAt = (secret: string, stepsFromNow: number) =>
  generate({ secret, epoch: now() + 30 * stepsFromNow });

/** A clinician with two-factor sign-in on: their credentials, secret and recovery codes. */
async function enrolled() {
  const { email, password } = await server.createStaff('CLINICIAN');
  const http = new HttpClient(server.url);
  const api = apiOf(http);
  await api.signIn({ body: { email, password } });
  const setup = await api.setupTwoFactor();
  assert.match(setup.otpauthUri, /^otpauth:\/\/totp\/.*secret=/);
  assert.match(setup.qrSvg, /^<svg/);
  await rejectsWith(api.confirmTwoFactor({ body: { code: '000000' } }), 'INVALID_CODE');
  // The instant whose code confirmed enrolment: a test that replays that code must compute it for this instant,
  // not for "now" (on a loaded machine a 30-second step can pass before it does).
  const enrolledAt = now();
  const { recoveryCodes } = await api.confirmTwoFactor({
    body: { code: await generate({ secret: setup.secret, epoch: enrolledAt }) },
  });
  assert.equal(recoveryCodes.length, 10);
  await rejectsWith(api.setupTwoFactor(), 'CONFLICT');
  return { email, password, secret: setup.secret, recoveryCodes, api, enrolledAt };
}

describe('TOTP two-factor sign-in', () => {
  test('enrol, then sign in with password + code; a reused or stale code is refused', async () => {
    const { email, password, secret, enrolledAt } = await enrolled();
    const api = apiOf(new HttpClient(server.url));
    await rejectsWith(api.signIn({ body: { email, password } }), 'SECOND_FACTOR_REQUIRED');
    await rejectsWith(api.me(), 'UNAUTHENTICATED');
    // The code of the step used to confirm enrolment was used: refused.
    await rejectsWith(
      api.signInSecondFactor({ body: { code: await generate({ secret, epoch: enrolledAt }) } }),
      'INVALID_CODE',
    );
    // Three steps back is outside the one-step drift window.
    await rejectsWith(api.signInSecondFactor({ body: { code: await codeAt(secret, -3) } }), 'INVALID_CODE');
    const next = await codeAt(secret, 1);
    const user = await api.signInSecondFactor({ body: { code: next } });
    assert.equal(user.email, email);
    assert.equal((await api.me()).kind, 'staff');
    // The same code again, in a fresh sign-in: refused (replay).
    const other = apiOf(new HttpClient(server.url));
    await rejectsWith(other.signIn({ body: { email, password } }), 'SECOND_FACTOR_REQUIRED');
    await rejectsWith(other.signInSecondFactor({ body: { code: next } }), 'INVALID_CODE');
  });

  test('a code without the password step first opens nothing', async () => {
    const { secret } = await enrolled();
    const api = apiOf(new HttpClient(server.url));
    await rejectsWith(api.signInSecondFactor({ body: { code: await codeAt(secret, 1) } }), 'UNAUTHENTICATED');
  });

  test('a recovery code works once', async () => {
    const { email, password, recoveryCodes } = await enrolled();
    const api = apiOf(new HttpClient(server.url));
    await rejectsWith(api.signIn({ body: { email, password } }), 'SECOND_FACTOR_REQUIRED');
    await api.signInSecondFactor({ body: { recoveryCode: recoveryCodes[0]!.toLowerCase() } });
    assert.equal((await api.getAccount()).recoveryCodesLeft, 9);
    const again = apiOf(new HttpClient(server.url));
    await rejectsWith(again.signIn({ body: { email, password } }), 'SECOND_FACTOR_REQUIRED');
    await rejectsWith(
      again.signInSecondFactor({ body: { recoveryCode: recoveryCodes[0]! } }),
      'INVALID_CODE',
    );
  });

  test('the secret is encrypted at rest and recovery codes are hashed', async () => {
    const { email, secret, recoveryCodes } = await enrolled();
    const row = await server.db.prisma.user.findUniqueOrThrow({
      where: { email },
      include: { recoveryCodes: true },
    });
    assert.match(row.totpSecret ?? '', /^v1\./);
    assert.ok(!row.totpSecret?.includes(secret));
    for (const r of row.recoveryCodes) assert.ok(!recoveryCodes.some((c) => r.codeHash.includes(c)));
  });

  test('guessing codes is slowed down: after a few failures the second step is rate-limited', async () => {
    const { email, password } = await enrolled();
    const api = apiOf(new HttpClient(server.url));
    await rejectsWith(api.signIn({ body: { email, password } }), 'SECOND_FACTOR_REQUIRED');
    const codes = ['111111', '222222', '333333', '444444'];
    for (const code of codes) await rejectsWith(api.signInSecondFactor({ body: { code } }), 'INVALID_CODE');
    await rejectsWith(api.signInSecondFactor({ body: { code: '555555' } }), 'RATE_LIMITED');
    const admin = apiOf(await server.signedIn('ADMIN'));
    const { events } = await admin.listAudit({ query: { action: 'auth.second_factor' } });
    assert.ok(events.filter((e) => e.outcome === 'failed').length >= 4, 'failed codes are audited');
  });

  test('turning it off needs the password; then sign-in is one step again', async () => {
    const { email, password, api } = await enrolled();
    await rejectsWith(
      api.disableTwoFactor({ body: { password: 'not-the-password' } }),
      'INVALID_CREDENTIALS',
    );
    await api.disableTwoFactor({ body: { password } });
    assert.equal((await api.getAccount()).twoFactor, false);
    const fresh = apiOf(new HttpClient(server.url));
    await fresh.signIn({ body: { email, password } });
    const admin = apiOf(await server.signedIn('ADMIN'));
    const actions = new Set((await admin.listAudit({ query: { limit: 500 } })).events.map((e) => e.action));
    assert.ok(actions.has('two_factor.enable') && actions.has('two_factor.disable'));
  });
});
