// "Two-factor required for all staff" against the real server: an admin turns it on (audited, admins only); a staff
// member without an authenticator who signs in with the right password gets no session, only an enrolment that ends
// in one; the enrolment challenge opens nothing else; turning the setting off lets password-only accounts in again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { apiOf } from '../support/api.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { rejectsWith } from './support.ts';

let server: TestServer;
let admin: ReturnType<typeof apiOf>;

before(async () => {
  server = await startTestServer({ overrides: { media: { enabled: false } } });
  admin = apiOf(await server.signedIn('ADMIN', 'Ada Admin'));
});
after(() => server?.close());

describe('two-factor required for all staff', () => {
  test('only admins change the setting, and the change is audited', async () => {
    const clinician = apiOf(await server.signedIn('CLINICIAN'));
    await rejectsWith(clinician.updateSignInSettings({ body: { requireTwoFactor: true } }), 'FORBIDDEN');
    await rejectsWith(clinician.getSignInSettings(), 'FORBIDDEN');
    assert.deepEqual(await admin.getSignInSettings(), { requireTwoFactor: false });
    assert.deepEqual(await admin.updateSignInSettings({ body: { requireTwoFactor: true } }), {
      requireTwoFactor: true,
    });
    const { events } = await admin.listAudit({ query: { action: 'settings.sign_in' } });
    assert.deepEqual(events[0]?.details, {
      from: { requireTwoFactor: false },
      to: { requireTwoFactor: true },
    });
  });

  test('a password sign-in without an authenticator goes through enrolment before any session', async () => {
    await admin.updateSignInSettings({ body: { requireTwoFactor: true } });
    const { email, password } = await server.createStaff('CLINICIAN', 'Dr Unenrolled');
    const api = apiOf(new HttpClient(server.url));
    await rejectsWith(api.signIn({ body: { email, password } }), 'TWO_FACTOR_ENROLMENT_REQUIRED');
    await rejectsWith(api.me(), 'UNAUTHENTICATED');
    // The enrolment challenge is not a session, and not a sign-in code challenge either.
    await rejectsWith(api.setupTwoFactor(), 'UNAUTHENTICATED');
    await rejectsWith(api.signInSecondFactor({ body: { code: '123456' } }), 'UNAUTHENTICATED');
    // Without the password step, enrolment is closed.
    const stranger = apiOf(new HttpClient(server.url));
    await rejectsWith(stranger.signInEnrolment(), 'UNAUTHENTICATED');
    await rejectsWith(stranger.signInEnrolmentConfirm({ body: { code: '123456' } }), 'UNAUTHENTICATED');

    const setup = await api.signInEnrolment();
    assert.match(setup.qrSvg, /^<svg/);
    await rejectsWith(api.signInEnrolmentConfirm({ body: { code: '000000' } }), 'INVALID_CODE');
    await rejectsWith(api.me(), 'UNAUTHENTICATED');
    const done = await api.signInEnrolmentConfirm({
      body: { code: await generate({ secret: setup.secret }) },
    });
    assert.equal(done.user.email, email);
    assert.equal(done.recoveryCodes.length, 10);
    assert.equal((await api.me()).kind, 'staff');
    // The challenge worked once.
    await rejectsWith(api.signInEnrolment(), 'UNAUTHENTICATED');
    // From now on it is an ordinary two-factor sign-in.
    const again = apiOf(new HttpClient(server.url));
    await rejectsWith(again.signIn({ body: { email, password } }), 'SECOND_FACTOR_REQUIRED');
    const account = apiOf(new HttpClient(server.url));
    await rejectsWith(account.signIn({ body: { email, password: 'wrong password' } }), 'INVALID_CREDENTIALS');
  });

  test('turned off, a password-only account signs in directly again', async () => {
    await admin.updateSignInSettings({ body: { requireTwoFactor: true } });
    const { email, password } = await server.createStaff('CLINICIAN');
    const api = apiOf(new HttpClient(server.url));
    await rejectsWith(api.signIn({ body: { email, password } }), 'TWO_FACTOR_ENROLMENT_REQUIRED');
    await admin.updateSignInSettings({ body: { requireTwoFactor: false } });
    const user = await api.signIn({ body: { email, password } });
    assert.equal(user.email, email);
  });
});
