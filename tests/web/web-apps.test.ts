// The three web apps, driven through their UI in real Chromium against the real server: the clinician signs in,
// starts a consultation and invites a patient (real SMTP); the patient opens the emailed link, passes the pre-call
// check and waits; the clinician admits; both see each other's video; the clinician ends the consultation and the
// patient sees the ended page. Plus dead links and the admin app.
// Builds apps/web first when its dist is missing or stale, then re-runs itself in a loopback-only namespace.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { webApps } from '../../apps/server/src/http/web-apps.ts';
import { type RunningCoturn, startCoturn } from '../support/coturn.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { ensureWebBuild, PHONE, startWebEnv, videoPlaying, type WebEnv } from './support.ts';

const thisFile = fileURLToPath(import.meta.url);

namespacedSuite(
  thisFile,
  { what: 'web apps through the UI', passes: 3, prepare: ensureWebBuild },
  'clinician, patient and admin apps in Chromium',
  () => {
    let env: WebEnv;
    let url: string;
    let newPage: WebEnv['newPage'];
    let shot: WebEnv['shot'];
    let smtp: WebEnv['smtp'];
    let makeStaff: WebEnv['server']['createStaff'];

    let coturn: RunningCoturn;

    before(async () => {
      // A real coturn from the project's rendered config, so the pre-call network check has a relay to find.
      coturn = await startCoturn({ verbose: false });
      env = await startWebEnv({
        overrides: { turn: { urls: coturn.urls, secret: coturn.secret } },
        // buildApp serves the built apps; the same plugin over a missing build, mounted aside, must answer 503.
        beforeListen: async (app, config) => {
          await app.register(webApps, {
            distDir: path.join(config.server.varDir, 'no-such-dist'),
            prefix: '/unbuilt',
          });
        },
      });
      ({ url, newPage, shot, smtp } = env);
      makeStaff = (role, name) => env.server.createStaff(role, name);
    });
    after(async () => {
      await env?.close();
      await coturn?.stop();
    });

    test('a consultation from sign-in to the ended page, all through the UI', async (t) => {
      const t0 = Date.now();
      const account = await makeStaff('CLINICIAN', 'Dr. Ada Osei');
      const doc = await newPage();
      await doc.goto(`${url}/clinician/`);
      await doc.getByLabel('Email').fill(account.email);
      await doc.getByLabel('Password').fill(account.password);
      await shot(doc, 'clinician-signin');
      await doc.getByRole('button', { name: 'Sign in' }).click();
      await doc.getByTestId('page-dashboard').waitFor();
      await doc.getByLabel('Title').fill('Knee follow-up');
      await shot(doc, 'clinician-dashboard');
      await doc.getByRole('button', { name: 'Start consultation' }).click();
      await doc.getByTestId('page-consult').waitFor();
      await doc.getByText('You are in the room').waitFor();

      await doc.getByLabel('Email').fill('pat.patient@example.test');
      await doc.getByLabel('Name').fill('Pat Patient');
      await doc.getByLabel('Role').selectOption('PATIENT');
      await doc.getByRole('button', { name: 'Send invitation' }).click();
      await doc.getByText('Invitation sent to pat.patient@example.test').waitFor();

      const mail = await smtp.nextMessage();
      const link = /(https?:\/\/\S+\/join#[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1] ?? '';
      assert.ok(link?.startsWith(`${url}/join#`), `invite link in: ${mail.text}`);

      // The patient: pre-call check with a live preview, device pickers and a level meter.
      const pat = await newPage(PHONE); // phone-sized
      await pat.goto(link);
      await pat.getByTestId('page-precheck').waitFor();
      await videoPlaying(pat, '[data-testid="preview-tile"] video');
      assert.equal(new URL(pat.url()).hash, '', 'the token is gone from the address bar');
      await pat
        .getByLabel('Camera', { exact: true })
        .locator('option')
        .first()
        .waitFor({ state: 'attached' });
      await pat
        .getByLabel('Microphone', { exact: true })
        .locator('option')
        .first()
        .waitFor({ state: 'attached' });
      await pat.waitForFunction(
        () => Number((document.querySelector('[data-testid="mic-level"]') as HTMLMeterElement)?.value) > 0,
        undefined,
        { timeout: 10_000 },
      );
      // The network check reaches STUN and gets a TURN relay from the real coturn (technical lines behind Details).
      await pat.getByTestId('network-check').getByText('Details').click({ timeout: 10_000 });
      await pat.getByText('Relay server (TURN): reached').waitFor({ timeout: 10_000 });
      await pat.getByText('Your connection is ready for the video call.').waitFor();
      await shot(pat, 'patient-precheck');
      await pat.getByRole('button', { name: 'Join consultation' }).click();
      await pat.getByText('Waiting for your clinician').waitFor();
      await pat.getByText('You are in the waiting room').waitFor();
      await shot(pat, 'patient-waiting');

      // The clinician admits from the waiting-room list.
      const admit = doc.getByRole('button', { name: 'Admit Pat Patient' });
      await admit.waitFor({ timeout: 10_000 });
      await shot(doc, 'clinician-waiting-room');
      const admittedAt = Date.now();
      await admit.click();

      await Promise.all([
        videoPlaying(doc, '[data-testid="remote-tile"] video'),
        videoPlaying(pat, '[data-testid="remote-tile"] video'),
      ]);
      const mediaMs = Date.now() - admittedAt;
      await doc.getByText('In call with Pat Patient').waitFor();
      await pat.getByText('In consultation with Dr. Ada Osei').waitFor();
      assert.match((await doc.getByTestId('topology').textContent()) ?? '', /p2p/);

      // Mute and camera off change the local tracks.
      await pat.getByRole('button', { name: 'Mute', exact: true }).click();
      await pat.getByRole('button', { name: 'Camera off' }).click();
      assert.deepEqual(await trackEnabled(pat), { audio: false, video: false });
      await pat.getByRole('button', { name: 'Unmute', exact: true }).click();
      await pat.getByRole('button', { name: 'Camera on' }).click();
      assert.deepEqual(await trackEnabled(pat), { audio: true, video: true });
      await videoPlaying(doc, '[data-testid="remote-tile"] video');
      await shot(doc, 'clinician-call');
      await shot(pat, 'patient-call');

      // The clinician ends it; the patient sees the ended page, and the emailed link is dead now.
      await doc.getByRole('button', { name: 'End consultation' }).click();
      await pat.getByTestId('page-ended').waitFor({ timeout: 10_000 });
      await doc.getByTestId('page-consult-ended').waitFor({ timeout: 10_000 });
      await shot(pat, 'patient-ended');
      const again = await newPage(PHONE);
      await again.goto(link);
      await again.getByTestId('page-consultation-ended').waitFor();
      t.diagnostic(`admit -> both remote videos playing ${mediaMs} ms; whole story ${Date.now() - t0} ms`);
    });

    test('a bad link shows the invalid-link page', async () => {
      const pat = await newPage(PHONE);
      await pat.goto(`${url}/join#${'x'.repeat(43)}`);
      await pat.getByTestId('page-invite-invalid').waitFor();
      await pat.getByRole('heading', { name: 'This link does not work' }).waitFor();
      await shot(pat, 'patient-invalid');
      await pat.goto(`${url}/join`);
      await pat.getByTestId('page-invite-invalid').waitFor();
    });

    test('the admin app lists consultations and the audit log', async () => {
      const account = await makeStaff('ADMIN', 'Ada Admin');
      const page = await newPage();
      await page.goto(`${url}/admin`); // redirects to /admin/
      await page.getByLabel('Email').fill(account.email);
      await page.getByLabel('Password').fill(account.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('admin-consultations').getByText('Knee follow-up').waitFor();
      await page
        .getByTestId('admin-audit')
        .getByRole('cell', { name: 'consultation.end', exact: true })
        .first()
        .waitFor();
      await shot(page, 'admin');
      // The visit trail: pick the consultation, open its printable record in a new tab.
      const trail = page.getByTestId('admin-visit-trail');
      const option = trail.getByRole('option', { name: /Knee follow-up/ });
      await trail
        .getByTestId('visit-trail-select')
        .selectOption((await option.first().getAttribute('value'))!);
      const [printed] = await Promise.all([
        page.waitForEvent('popup'),
        trail.getByTestId('visit-print').click(),
      ]);
      await printed.getByText('Knee follow-up').first().waitFor();
      assert.match(printed.url(), /\/export\/print$/);
      await shot(page, 'admin-visit-trail');
      await printed.close();
    });

    test('without a build the pages answer 503 with a clear message', async () => {
      for (const p of ['/unbuilt/join', '/unbuilt/clinician/', '/unbuilt/assets/x.js']) {
        const res = await fetch(`${url}${p}`);
        assert.equal(res.status, 503, p);
        assert.match(await res.text(), /web apps not built: run npm start/);
      }
      const res = await fetch(`${url}/assets/nope.js`);
      assert.equal(res.status, 404);
    });
  },
);

async function trackEnabled(page: Page): Promise<{ audio: boolean; video: boolean }> {
  return page.evaluate(() => {
    const v = document.querySelector('[data-testid="local-tile"] video') as HTMLVideoElement;
    const s = v.srcObject as MediaStream;
    return { audio: s.getAudioTracks()[0]!.enabled, video: s.getVideoTracks()[0]!.enabled };
  });
}
