// "Forgot password" against the real server and real SMTP: the emailed link resets the password once and ends every
// session (a live socket closes); unknown addresses get the same answer in about the same time and no email; used
// and expired links are refused alike; the requests are rate-limited per address and audited.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CloseCode, Routes } from '@consulta/protocol';
import { apiOf } from '../support/api.ts';
import { HttpClient } from '../support/http.ts';
import { serverWithMail } from '../support/server-with-mail.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { accountLinkFromEmail, rejectsWith, strongPassword } from './support.ts';

const env = serverWithMail({
  media: { enabled: false },
  auth: { accountLinkLimit: { max: 40, windowSeconds: 600 } },
});

describe('password reset by email', () => {
  test('the link sets a new password once, ends every session and closes live sockets', async () => {
    const { email, password } = await env.server.createStaff('CLINICIAN', 'Dr Forgetful');
    const browser = new HttpClient(env.server.url);
    const old = apiOf(browser);
    await old.signIn({ body: { email, password } });
    const ws = await SignalingClient.connect(env.server.url, browser.cookieHeader);

    const anonymous = apiOf(new HttpClient(env.server.url));
    assert.deepEqual(await anonymous.forgotPassword({ body: { email: email.toUpperCase() } }), { ok: true });
    const link = await accountLinkFromEmail(env.smtp);
    assert.equal(link.to, email);
    assert.match(link.subject, /reset/i);

    await anonymous.setPassword({ body: { token: link.token, password: strongPassword(7) } });
    assert.equal((await ws.closed).code, CloseCode.SessionEnded);
    await rejectsWith(old.me(), 'UNAUTHENTICATED');
    await rejectsWith(anonymous.signIn({ body: { email, password } }), 'INVALID_CREDENTIALS');
    await anonymous.signIn({ body: { email, password: strongPassword(7) } });
    // Used: refused.
    await rejectsWith(
      anonymous.setPassword({ body: { token: link.token, password: strongPassword(8) } }),
      'LINK_INVALID',
    );
  });

  test('a newer link replaces the older one; an expired link is refused like an unknown one', async () => {
    const { email } = await env.server.createStaff('ADMIN', 'Ada Twice');
    const api = apiOf(new HttpClient(env.server.url));
    await api.forgotPassword({ body: { email } });
    const first = await accountLinkFromEmail(env.smtp);
    assert.equal(first.app, 'admin', 'an admin’s link opens the admin app');
    await api.forgotPassword({ body: { email } });
    const second = await accountLinkFromEmail(env.smtp);
    await rejectsWith(
      api.setPassword({ body: { token: first.token, password: strongPassword(9) } }),
      'LINK_INVALID',
    );
    // Expire the second one in the database (what an hour's wait would do).
    await env.server.db.prisma.accountToken.updateMany({
      where: { kind: 'RESET', usedAt: null, user: { email } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await rejectsWith(
      api.setPassword({ body: { token: second.token, password: strongPassword(9) } }),
      'LINK_INVALID',
    );
    await rejectsWith(
      api.setPassword({ body: { token: 'A'.repeat(43), password: strongPassword(9) } }),
      'LINK_INVALID',
    );
  });

  test('unknown and known addresses get the same answer, in about the same time, and only the known gets mail', async () => {
    const { email } = await env.server.createStaff('CLINICIAN', 'Dr Known');
    const client = spawn(process.execPath, [fileURLToPath(new URL('./timing-client.mjs', import.meta.url))], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const replies = createInterface({ input: client.stdout! })[Symbol.asyncIterator]();
    const timed = async (address: string) => {
      client.stdin!.write(
        `${env.server.url}${Routes.forgotPassword.path} ${JSON.stringify({ email: address })}\n`,
      );
      const [status, ms] = ((await replies.next()).value as string).split(' ');
      assert.equal(status, '200');
      return Number(ms);
    };
    const timings = { known: [] as number[], unknown: [] as number[] };
    try {
      for (let i = 0; i < 8; i++) {
        const order = i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
        for (const kind of order) {
          timings[kind].push(await timed(kind === 'known' ? email : `nobody-${i}@clinic.test`));
          // Only the known address gets mail; it is awaited before the next request, so the sending does not
          // overlap the next timing.
          if (kind === 'known') assert.equal((await accountLinkFromEmail(env.smtp)).to, email);
        }
      }
    } finally {
      client.stdin!.end();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const known = median(timings.known);
    const unknown = median(timings.unknown);
    console.log(
      `forgot-password median of 8: known ${known.toFixed(1)} ms, unknown ${unknown.toFixed(1)} ms`,
    );
    // What is left on both paths is one indexed lookup and one audit insert. The bound is loose for a loaded
    // 2-core machine.
    assert.ok(
      Math.abs(known - unknown) < Math.max(25, 0.5 * Math.min(known, unknown)),
      'timings differ too much',
    );
  });

  test('resets are audited (the request and the use)', async () => {
    const admin = apiOf(await env.server.signedIn('ADMIN'));
    const { events } = await admin.listAudit({ query: { limit: 500 } });
    const requests = events.filter((e) => e.action === 'auth.password_reset_request');
    assert.ok(requests.some((e) => (e.details as { sent?: boolean }).sent === false));
    assert.ok(requests.some((e) => (e.details as { sent?: boolean }).sent === true));
    assert.ok(events.some((e) => e.action === 'auth.password_set' && e.outcome === 'ok'));
    assert.ok(events.some((e) => e.action === 'auth.password_set' && e.outcome === 'denied'));
  });
});

test('forgot-password requests and link attempts are rate-limited per address', async () => {
  // The budget is 40 per window for this file's server, and the tests above used part of it: keep asking until
  // refused, which must happen within 40 more.
  const api = apiOf(new HttpClient(env.server.url));
  let refused = -1;
  for (let i = 0; i <= 40 && refused < 0; i++) {
    try {
      await api.forgotPassword({ body: { email: `x${i}@clinic.test` } });
    } catch (err) {
      refused = i;
      await rejectsWith(Promise.reject(err), 'RATE_LIMITED');
    }
  }
  assert.ok(refused >= 0, 'never refused');
  // Link guessing shares the budget.
  await rejectsWith(
    api.setPassword({ body: { token: 'B'.repeat(43), password: strongPassword() } }),
    'RATE_LIMITED',
  );
});
