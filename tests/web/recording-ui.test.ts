// Recording through the UI in real Chromium against the real server (SFU, recorder, FFmpeg): an administrator
// starts a recording on a live consultation; clinician and patient get the consent dialog; one decline blocks it
// and the admin sees who declined; asked again, both agree, everyone sees "Recording", the admin stops it (the
// indicator goes off in both pages at once) and the recordings list shows the file with its size and SHA-256,
// which match the download. Loopback-only namespace.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { assertNamespacedRunPasses, inLoopbackNamespace } from '../support/chromium.ts';
import { ensureWebBuild, framesAdvance, startCall, startWebEnv, type WebEnv } from './support.ts';

const thisFile = fileURLToPath(import.meta.url);
const REMOTE = '[data-testid="remote-tile"] video';
const TITLE = 'Wound check';

if (!inLoopbackNamespace()) {
  test('recording consent and controls through the UI, inside a loopback-only network namespace', async () => {
    ensureWebBuild();
    await assertNamespacedRunPasses(thisFile, 1);
  });
} else {
  describe('recording in Chromium', () => {
    let env: WebEnv;
    before(async () => {
      env = await startWebEnv();
    });
    after(async () => {
      await env?.close();
    });

    /** Waits for the consent dialog and checks it is a focused modal that says what is recorded and who sees it. */
    async function consentAsked(page: Page) {
      const dialog = page.getByRole('dialog', { name: /recorded/ });
      await dialog.waitFor({ timeout: 15_000 });
      const text = (await dialog.textContent()) ?? '';
      assert.match(text, /video and voice/);
      assert.match(text, /administrators/);
      assert.ok(
        await page.evaluate(() => !!document.activeElement?.closest('dialog[open]')),
        'focus moved into the dialog',
      );
      return dialog;
    }

    test('consent, a decline, a recording, its stop and its file', async (t) => {
      const { doc, pat } = await startCall(env, {
        clinician: 'Dr. Noor Haddad',
        patient: 'Kai Patient',
        title: TITLE,
        email: 'kai@example.test',
      });
      const account = await env.server.createStaff('ADMIN', 'Avery Admin');
      const admin = await env.newPage();
      await admin.goto(`${env.url}/admin/`);
      await admin.getByLabel('Email').fill(account.email);
      await admin.getByLabel('Password').fill(account.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      const controls = admin.getByTestId('recording-controls').filter({ hasText: TITLE });
      const start = controls.getByRole('button', { name: `Start recording ${TITLE}` });
      await start.waitFor({ timeout: 10_000 });

      // First request: the clinician agrees, the patient declines with the keyboard; the admin sees who declined.
      await start.click();
      const docDialog = await consentAsked(doc);
      const patDialog = await consentAsked(pat);
      await shot(pat, 'patient-consent');
      await controls.getByText('not answered yet').first().waitFor();
      await docDialog.getByRole('button', { name: 'Agree to recording' }).click();
      await controls.getByText('agreed').waitFor();
      await pat.keyboard.press('Tab'); // from "Agree to recording" to "Decline"
      await pat.keyboard.press('Enter');
      await patDialog.waitFor({ state: 'detached' });
      await controls.getByText('Declined by Kai Patient').waitFor({ timeout: 10_000 });
      assert.equal(await controls.getByTestId('recording-status').textContent(), 'not recorded');
      await pat.getByText('Not recorded').waitFor();
      await shot(admin, 'admin-recording-declined');

      // Second request: both agree; everyone sees the indicator and the call carries on (now through the SFU).
      await start.click();
      await (await consentAsked(pat)).getByRole('button', { name: 'Agree to recording' }).click();
      await (await consentAsked(doc)).getByRole('button', { name: 'Agree to recording' }).click();
      await Promise.all([
        pat.getByTestId('recording-indicator').waitFor({ timeout: 20_000 }),
        doc.getByTestId('recording-indicator').waitFor({ timeout: 20_000 }),
        controls.getByText('recording', { exact: true }).waitFor({ timeout: 20_000 }),
      ]);
      await framesAdvance(doc, REMOTE, 60);
      await framesAdvance(pat, REMOTE, 20);
      await shot(doc, 'clinician-recording');
      await shot(pat, 'patient-recording', true);
      await shot(admin, 'admin-recording');

      // Stop reaches everyone at once: the "Recording" indicator goes off in both pages well within the 4-6 s it
      // used to linger (the state says FINALISING until the file is ready). Timed in the pages themselves (the
      // click in the admin's, the indicator leaving the DOM in the others'), so Playwright's own latency on a
      // loaded machine does not count.
      const stopButton = controls.getByRole('button', { name: `Stop recording ${TITLE}` });
      await stopButton.evaluate((b) => {
        b.addEventListener('click', () => {
          (window as unknown as { stopClickedAt: number }).stopClickedAt = Date.now();
        });
      });
      const watchIndicator = (p: Page) =>
        p.evaluate(() => {
          const w = window as unknown as { indicatorGoneAt: number | null };
          w.indicatorGoneAt = null;
          const observer = new MutationObserver(() => {
            if (document.querySelector('[data-testid="recording-indicator"]')) return;
            w.indicatorGoneAt = Date.now();
            observer.disconnect();
          });
          observer.observe(document.body, { childList: true, subtree: true });
        });
      await Promise.all([watchIndicator(pat), watchIndicator(doc)]);
      await stopButton.click();
      await Promise.all(
        [pat, doc].map((p) =>
          p.getByTestId('recording-indicator').waitFor({ state: 'detached', timeout: 10_000 }),
        ),
      );
      const clickedAt = await admin.evaluate(
        () => (window as unknown as { stopClickedAt: number }).stopClickedAt,
      );
      for (const [name, p] of [
        ['patient', pat],
        ['clinician', doc],
      ] as const) {
        const goneAt = await p.evaluate(
          () => (window as unknown as { indicatorGoneAt: number }).indicatorGoneAt,
        );
        t.diagnostic(`Stop clicked -> "Recording" off for the ${name}: ${goneAt - clickedAt} ms`);
        assert.ok(
          goneAt - clickedAt < 2000,
          `the ${name}'s indicator lingered ${goneAt - clickedAt} ms after Stop`,
        );
      }
      await controls.getByText('complete', { exact: true }).waitFor({ timeout: 30_000 });
      const row = admin.getByTestId('recording-row').filter({ hasText: 'complete' });
      const sha256 = (await row.locator('code').textContent()) ?? '';
      assert.match(sha256, /^[0-9a-f]{64}$/);
      assert.match((await row.textContent()) ?? '', /\d+:\d\d.*\d+(\.\d)? (kB|MB)/);
      const download = row.getByRole('link', { name: /Download recording/ });
      const file = await admin.request.get(
        new URL((await download.getAttribute('href')) ?? '', env.url).href,
      );
      assert.equal(file.status(), 200);
      const body = await file.body();
      assert.equal(
        createHash('sha256').update(body).digest('hex'),
        sha256,
        'the download is the listed file',
      );
      t.diagnostic(`recorded ${body.length} bytes; row: ${await row.textContent()}`);
      await admin.getByTestId('admin-recordings').scrollIntoViewIfNeeded();
      await shot(admin, 'admin-recordings');
    });

    const shot = (page: Page, name: string, fullPage = false) => env.shot(page, name, fullPage);
  });
}
