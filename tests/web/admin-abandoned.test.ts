// A consultation everyone abandoned (both close their tabs, no Leave) in the admin console, real Chromium against
// the real server: during the reconnect grace period it stays "in a call" with its people shown disconnected; when
// the grace ends it leaves the live cards, and the consultations table stops counting it as in a call (its stored
// status stays ACTIVE: it says "nobody in the call"). Runs in a loopback-only network namespace.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { ensureWebBuild, startCall, startWebEnv, type WebEnv } from './support.ts';

const thisFile = fileURLToPath(import.meta.url);
const TITLE = 'Abandoned check-in';
const GRACE_SECONDS = 4;

namespacedSuite(
  thisFile,
  { what: 'abandoned consultations leave the admin live list', passes: 1, prepare: ensureWebBuild },
  'an abandoned consultation in the admin console',
  () => {
    let env: WebEnv;
    before(async () => {
      env = await startWebEnv({ overrides: { signaling: { reconnectGraceSeconds: GRACE_SECONDS } } });
    });
    after(async () => {
      await env?.close();
    });

    test('stays live during the grace period, leaves the live list after it', async (t) => {
      const { doc, pat } = await startCall(env, {
        clinician: 'Dr. Lena Vogel',
        patient: 'Ola Patient',
        title: TITLE,
        email: 'ola@example.test',
      });
      const account = await env.server.createStaff('ADMIN', 'Avery Admin');
      const admin = await env.newPage({ width: 1280, height: 800 });
      await admin.goto(`${env.url}/admin/`);
      await admin.getByLabel('Email').fill(account.email);
      await admin.getByLabel('Password').fill(account.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      const card = admin.getByTestId('live-card').filter({ hasText: TITLE });
      await card.waitFor({ timeout: 15_000 });
      const table = admin.getByTestId('admin-consultations');
      await table.getByRole('heading', { name: 'Consultations (1 open, 1 in a call)' }).waitFor();

      // Both close their tabs: no Leave is sent, the server keeps their places for the grace period.
      const closedAt = Date.now();
      await Promise.all([doc.context().close(), pat.context().close()]);
      await admin.getByRole('button', { name: 'Refresh' }).click();
      // During the grace the card is still there (unless the machine stalled past it).
      const stillThere = (await card.count()) > 0;
      t.diagnostic(`live during the grace (${Date.now() - closedAt} ms after closing): ${stillThere}`);
      if (Date.now() - closedAt < GRACE_SECONDS * 1000 - 500) assert.ok(stillThere, 'live during the grace');

      // The admin page refreshes every 5 s on its own: the card goes when the grace has ended.
      await card.waitFor({ state: 'detached', timeout: (GRACE_SECONDS + 15) * 1000 });
      const goneAfter = Date.now() - closedAt;
      t.diagnostic(`left the live list ${goneAfter} ms after both tabs closed (grace ${GRACE_SECONDS} s)`);
      assert.ok(goneAfter >= GRACE_SECONDS * 1000, 'not before the grace period ended');
      await table.getByRole('heading', { name: 'Consultations (1 open, 0 in a call)' }).waitFor();
      const row = table.getByRole('row').filter({ hasText: TITLE });
      assert.match((await row.textContent()) ?? '', /active · nobody in the call/);
      await env.shot(admin, 'admin-abandoned-laptop');
    });
  },
);
