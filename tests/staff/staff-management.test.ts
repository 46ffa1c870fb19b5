// Staff management against the real server, real SMTP and the embedded database: an admin invites a clinician, who
// sets a password from the emailed link and signs in; roles are enforced on the server; deactivation ends a live
// WebSocket at once and refuses sign-in; a role change ends live sessions too; password changes; state-changing calls from another
// origin are refused (CSRF); every action is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloseCode } from '@consulta/protocol';
import { apiOf } from '../support/api.ts';
import { createConsultation } from '../support/consultation.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { startSmtpCapture } from '../support/smtp.ts';
import { accountLinkFromEmail, rejectsWith, strongPassword } from './support.ts';

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let admin: ReturnType<typeof apiOf>;

before(async () => {
  smtp = await startSmtpCapture();
  // No SFU: these tests are about accounts, and a mediasoup worker is the slowest part of a server's start.
  server = await startTestServer({ overrides: { email: { smtpUrl: smtp.url }, media: { enabled: false } } });
  admin = apiOf(await server.signedIn('ADMIN', 'Ada Admin'));
});
after(async () => {
  await server?.close();
  await smtp?.close();
});

/** Invites a clinician through the admin API, sets their password from the email, signs them in. */
async function invitedClinician(name: string) {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}@clinic.test`;
  const member = await admin.inviteStaff({ body: { email, displayName: name, role: 'CLINICIAN' } });
  const link = await accountLinkFromEmail(smtp);
  const http = new HttpClient(server.url);
  const api = apiOf(http);
  await api.setPassword({ body: { token: link.token, password: strongPassword(1) } });
  await api.signIn({ body: { email, password: strongPassword(1) } });
  return { member, email, http, api };
}

describe('inviting staff', () => {
  test('invite → email → set password → sign in; the link works once; weak passwords are explained', async () => {
    const member = await admin.inviteStaff({
      body: { email: 'Grace.Hopper@Clinic.test', displayName: 'Dr Grace Hopper', role: 'CLINICIAN' },
    });
    assert.equal(member.email, 'grace.hopper@clinic.test');
    assert.equal(member.hasPassword, false);
    assert.equal(member.active, true);

    const link = await accountLinkFromEmail(smtp);
    assert.equal(link.to, 'grace.hopper@clinic.test');
    assert.equal(link.app, 'clinician');
    const guest = apiOf(new HttpClient(server.url));
    // Before a password is set, nothing signs in, whatever is typed.
    await rejectsWith(
      guest.signIn({ body: { email: member.email, password: 'anything at all' } }),
      'INVALID_CREDENTIALS',
    );
    // The strength rule answers with advice, and the refused attempt leaves the link usable.
    const weak = await rejectsWith(
      guest.setPassword({ body: { token: link.token, password: 'password123' } }),
      'WEAK_PASSWORD',
    );
    assert.match(weak.message, /guess|characters/i);
    await rejectsWith(
      guest.setPassword({ body: { token: link.token, password: 'gracehopper1' } }),
      'WEAK_PASSWORD',
    );
    await guest.setPassword({ body: { token: link.token, password: strongPassword(2) } });
    const user = await guest.signIn({ body: { email: member.email, password: strongPassword(2) } });
    assert.equal(user.role, 'CLINICIAN');

    await rejectsWith(
      guest.setPassword({ body: { token: link.token, password: strongPassword(3) } }),
      'LINK_INVALID',
    );
    const listed = (await admin.listStaff()).staff.find((s) => s.id === member.id);
    assert.equal(listed?.hasPassword, true);
  });

  test('an email already in use is a conflict, and nothing is sent', async () => {
    await invitedClinician('Dr Dup');
    await rejectsWith(
      admin.inviteStaff({ body: { email: 'dr.dup@clinic.test', displayName: 'Again', role: 'ADMIN' } }),
      'CONFLICT',
    );
  });
});

describe('roles are enforced on the server', () => {
  test('a clinician cannot list, invite, deactivate or change roles', async () => {
    const { api, member } = await invitedClinician('Dr Nosy');
    await rejectsWith(api.listStaff(), 'FORBIDDEN');
    await rejectsWith(
      api.inviteStaff({ body: { email: 'x@clinic.test', displayName: 'X', role: 'ADMIN' } }),
      'FORBIDDEN',
    );
    await rejectsWith(
      api.changeStaffRole({ params: { userId: member.id }, body: { role: 'ADMIN' } }),
      'FORBIDDEN',
    );
    await rejectsWith(api.deactivateStaff({ params: { userId: member.id } }), 'FORBIDDEN');
    const anonymous = apiOf(new HttpClient(server.url));
    await rejectsWith(anonymous.listStaff(), 'UNAUTHENTICATED');
  });

  test('a role change ends the person’s sessions and live sockets at once; an admin cannot change their own', async () => {
    const { http, api, member, email } = await invitedClinician('Dr Promoted');
    const consult = await createConsultation(http, 'Before the promotion');
    const ws = await SignalingClient.connect(server.url, http.cookieHeader);
    ws.send({ type: 'join', consultationId: consult.id });
    await ws.next('joined');
    const changed = await admin.changeStaffRole({ params: { userId: member.id }, body: { role: 'ADMIN' } });
    assert.equal(changed.role, 'ADMIN');
    // The socket was admitted under the old role: it closes now, with the documented code.
    assert.equal((await ws.closed).code, CloseCode.SessionEnded);
    await rejectsWith(api.me(), 'UNAUTHENTICATED');
    await api.signIn({ body: { email, password: strongPassword(1) } });
    assert.ok((await api.listStaff()).staff.length >= 2, 'the promoted account is an admin now');
    const audit = await admin.listAudit({ query: { action: 'staff.role', personId: member.id } });
    const details = audit.events[0]?.details as { sessionsEnded?: number } | undefined;
    assert.equal(details?.sessionsEnded, 1);
    const me = await admin.me();
    assert.equal(me.kind, 'staff');
    if (me.kind !== 'staff') return;
    await rejectsWith(
      admin.changeStaffRole({ params: { userId: me.user.id }, body: { role: 'CLINICIAN' } }),
      'CONFLICT',
    );
  });
});

describe('deactivation', () => {
  test('ends a live WebSocket at once, refuses sign-in, and reactivation lets the person back', async () => {
    const { http, api, member, email } = await invitedClinician('Dr Leaving');
    const consult = await createConsultation(http, 'Follow-up');
    const ws = await SignalingClient.connect(server.url, http.cookieHeader);
    ws.send({ type: 'join', consultationId: consult.id });
    await ws.next('joined');
    // A second browser of the same person.
    const laptop = apiOf(new HttpClient(server.url));
    await laptop.signIn({ body: { email, password: strongPassword(1) } });

    const done = await admin.deactivateStaff({ params: { userId: member.id } });
    assert.equal(done.active, false);
    assert.equal((await ws.closed).code, CloseCode.SessionEnded);
    await rejectsWith(api.me(), 'UNAUTHENTICATED');
    await rejectsWith(laptop.me(), 'UNAUTHENTICATED');
    await rejectsWith(api.signIn({ body: { email, password: strongPassword(1) } }), 'INVALID_CREDENTIALS');
    // A new socket with the old cookie is refused.
    const again = await SignalingClient.connect(server.url, http.cookieHeader);
    assert.equal((await again.closed).code, CloseCode.Unauthenticated);
    // Admins still see the consultation.
    const seen = await admin.getConsultation({ params: { consultationId: consult.id } });
    assert.equal(seen.id, consult.id);

    await admin.reactivateStaff({ params: { userId: member.id } });
    await api.signIn({ body: { email, password: strongPassword(1) } });
    const me = await api.me();
    assert.equal(me.kind, 'staff');
  });

  test('an admin cannot deactivate themselves; unknown accounts are not found', async () => {
    const me = await admin.me();
    if (me.kind !== 'staff') throw new Error('admin expected');
    await rejectsWith(admin.deactivateStaff({ params: { userId: me.user.id } }), 'CONFLICT');
    await rejectsWith(admin.deactivateStaff({ params: { userId: 'no-such-user' } }), 'NOT_FOUND');
  });

  test('an admin sees and revokes a person’s sessions', async () => {
    const { api, member } = await invitedClinician('Dr Sessions');
    const { sessions } = await admin.listStaffSessions({ params: { userId: member.id } });
    assert.equal(sessions.length, 1);
    assert.deepEqual(await admin.revokeStaffSessions({ params: { userId: member.id } }), { ended: 1 });
    await rejectsWith(api.me(), 'UNAUTHENTICATED');
  });
});

describe('own password', () => {
  test('changing it checks the current one and the strength rule, and ends the other sessions', async () => {
    const { api, email } = await invitedClinician('Dr Changer');
    const other = apiOf(new HttpClient(server.url));
    await other.signIn({ body: { email, password: strongPassword(1) } });
    await rejectsWith(
      api.changePassword({ body: { currentPassword: 'wrong-password', newPassword: strongPassword(5) } }),
      'INVALID_CREDENTIALS',
    );
    await rejectsWith(
      api.changePassword({ body: { currentPassword: strongPassword(1), newPassword: 'qwertyuiop' } }),
      'WEAK_PASSWORD',
    );
    await api.changePassword({
      body: { currentPassword: strongPassword(1), newPassword: strongPassword(5) },
    });
    assert.equal((await api.me()).kind, 'staff', 'this session goes on');
    await rejectsWith(other.me(), 'UNAUTHENTICATED');
    await rejectsWith(other.signIn({ body: { email, password: strongPassword(1) } }), 'INVALID_CREDENTIALS');
    await other.signIn({ body: { email, password: strongPassword(5) } });
  });
});

describe('cross-site requests', () => {
  test('a state-changing call with a foreign Origin is refused; the same origin passes', async () => {
    const http = await server.signedIn('ADMIN');
    const evil = apiOf(http, { origin: 'https://evil.example' });
    await rejectsWith(
      evil.inviteStaff({ body: { email: 'csrf@clinic.test', displayName: 'CSRF', role: 'ADMIN' } }),
      'FORBIDDEN',
    );
    const crossSite = apiOf(http, { 'sec-fetch-site': 'cross-site' });
    await rejectsWith(crossSite.signOut(), 'FORBIDDEN');
    // Reads are not state changes; the browser's same-origin policy keeps their answers from the other site.
    assert.ok((await evil.listStaff()).staff.length > 0);
    const own = apiOf(http, { origin: server.url });
    await own.inviteStaff({
      body: { email: 'same-origin@clinic.test', displayName: 'Same', role: 'CLINICIAN' },
    });
    await accountLinkFromEmail(smtp);
  });
});

describe('audit', () => {
  test('invites, deactivations, role changes, password sets and changes are recorded', async () => {
    const { events } = await admin.listAudit({ query: { limit: 500 } });
    const actions = new Set(events.map((e) => e.action));
    for (const a of [
      'staff.invite',
      'staff.deactivate',
      'staff.reactivate',
      'staff.role',
      'staff.sessions_revoke',
      'auth.password_set',
      'auth.password_change',
    ]) {
      assert.ok(actions.has(a), `audit has ${a}`);
    }
  });
});
