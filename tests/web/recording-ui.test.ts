// Recording through the UI in real Chromium against the real server (SFU, recorder, FFmpeg): an administrator
// starts a recording on a live consultation; clinician and patient get the consent dialog; one decline blocks it
// and the admin sees who declined; asked again, both agree, everyone sees "Recording", the admin stops it (the
// indicator goes off in both pages at once) and the recordings list shows the file with its size and SHA-256,
// which match the download. Then consent withdrawn mid-recording through the patient's "Stop recording me": both
// pages say who is no longer recorded, the call goes on, the withdrawal is audited, and ffprobe shows the patient's
// streams in the file end at the withdrawal while the clinician's go on to the stop. Loopback-only namespace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AuditList, Recording } from '@consulta/protocol';
import type { Locator, Page } from 'playwright-core';
import { ENDED_TAG, PARTICIPANT_TAG } from '../../apps/server/src/recording/pipeline/index.ts';
import { assertNamespacedRunPasses, inLoopbackNamespace } from '../support/chromium.ts';
import { ensureWebBuild, framesAdvance, PHONE, startCall, startWebEnv, type WebEnv } from './support.ts';

const thisFile = fileURLToPath(import.meta.url);
const REMOTE = '[data-testid="remote-tile"] video';
const TITLE = 'Wound check';
const LAPTOP = { width: 1280, height: 800 };

/** Each participant stream of a recording: whose, which kind, its last packet (ms) and CONSULTA_ENDED tag. */
function probeStreams(file: string) {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=index,codec_type:stream_tags', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const { streams } = JSON.parse(r.stdout) as {
    streams: Array<{ index: number; codec_type: string; tags?: Record<string, string> }>;
  };
  return streams
    .filter((s) => s.tags?.[PARTICIPANT_TAG])
    .map((s) => {
      const packets = spawnSync(
        'ffprobe',
        [
          '-v',
          'error',
          '-select_streams',
          String(s.index),
          '-show_entries',
          'packet=pts_time',
          '-of',
          'csv=p=0',
          file,
        ],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      assert.equal(packets.status, 0, packets.stderr);
      const times = packets.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => Number(l.split(',')[0]) * 1000);
      return {
        participant: s.tags?.[PARTICIPANT_TAG],
        kind: s.codec_type,
        ended: s.tags?.[ENDED_TAG],
        lastMs: Math.max(...times),
      };
    });
}

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

    /** An administrator signed in to the admin app, at the recording controls of the consultation `title`. */
    async function adminAt(title: string) {
      const account = await env.server.createStaff('ADMIN', 'Avery Admin');
      const admin = await env.newPage();
      await admin.goto(`${env.url}/admin/`);
      await admin.getByLabel('Email').fill(account.email);
      await admin.getByLabel('Password').fill(account.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      const controls = admin.getByTestId('recording-controls').filter({ hasText: title });
      const start = controls.getByRole('button', { name: `Start recording ${title}` });
      await start.waitFor({ timeout: 10_000 });
      return { admin, controls, start };
    }

    /** Starts a recording and has every page agree; resolves when everyone, the admin included, sees it run. */
    async function recordedWithConsent(start: Locator, controls: Locator, pages: Page[]) {
      await start.click();
      for (const p of pages)
        await (await consentAsked(p)).getByRole('button', { name: 'Agree to recording' }).click();
      await Promise.all([
        ...pages.map((p) => p.getByTestId('recording-indicator').waitFor({ timeout: 20_000 })),
        controls.getByText('recording', { exact: true }).waitFor({ timeout: 20_000 }),
      ]);
    }

    /** Screenshots of `page` at phone (390x844, whole page) and laptop (1280x800) size. */
    async function shotsAtBothSizes(page: Page, name: string) {
      const was = page.viewportSize();
      await page.setViewportSize(PHONE);
      await shot(page, `${name}-phone`, true);
      await page.setViewportSize(LAPTOP);
      await shot(page, `${name}-laptop`);
      if (was) await page.setViewportSize(was);
    }

    test('consent, a decline, a recording, its stop and its file', async (t) => {
      const { doc, pat } = await startCall(env, {
        clinician: 'Dr. Noor Haddad',
        patient: 'Kai Patient',
        title: TITLE,
        email: 'kai@example.test',
      });
      const { admin, controls, start } = await adminAt(TITLE);

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
      await recordedWithConsent(start, controls, [pat, doc]);
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

    test('the patient withdraws consent mid-recording: everyone is told, the call goes on, their tracks end', async (t) => {
      const title = 'Medication review';
      const { doc, pat } = await startCall(env, {
        clinician: 'Dr. Lena Ortiz',
        patient: 'Sam Rivera',
        title,
        email: 'sam@example.test',
      });
      const { admin, controls, start } = await adminAt(title);
      await recordedWithConsent(start, controls, [pat, doc]);
      await framesAdvance(doc, REMOTE, 30);
      await framesAdvance(pat, REMOTE, 30);
      // Everyone being recorded has the action: the patient and the clinician alike.
      const withdraw = pat.getByRole('button', { name: 'Stop recording me' });
      await withdraw.waitFor();
      await doc.getByRole('button', { name: 'Stop recording me' }).waitFor();
      await shotsAtBothSizes(pat, 'patient-may-withdraw');

      // Asked to confirm, in plain words: the call goes on, what was recorded stays, no way back in.
      await withdraw.click();
      const confirm = pat.getByRole('dialog', { name: 'Withdraw your consent to the recording?' });
      await confirm.waitFor();
      const text = (await confirm.textContent()) ?? '';
      assert.match(text, /no longer recorded/);
      assert.match(text, /cannot be recorded again/);
      await shotsAtBothSizes(pat, 'patient-withdraw-confirm');
      // Escape keeps things as they are.
      await pat.keyboard.press('Escape');
      await confirm.waitFor({ state: 'detached' });
      await withdraw.click();
      const clickedAt = Date.now();
      await confirm.getByRole('button', { name: 'Withdraw my consent' }).click();

      // Everyone sees it; the recording runs on (the clinician is still recorded).
      await pat
        .getByText('You withdrew consent; your audio and video are no longer recorded.')
        .waitFor({ timeout: 10_000 });
      await doc
        .getByText('Sam Rivera withdrew consent; their audio and video are no longer recorded.')
        .waitFor({ timeout: 10_000 });
      t.diagnostic(`withdraw clicked -> the clinician told: ${Date.now() - clickedAt} ms (Playwright-timed)`);
      await controls.getByText(/agreed, withdrew at/).waitFor({ timeout: 10_000 });
      assert.equal(await withdraw.count(), 0, 'nothing left to withdraw');
      for (const p of [pat, doc]) assert.equal(await p.getByTestId('recording-indicator').count(), 1);

      // The call goes on both ways (the patient keeps talking to the clinician, just not into the file); these
      // frames are also the recording time after the withdrawal that the file must show the clinician in.
      await framesAdvance(doc, REMOTE, 60);
      await framesAdvance(pat, REMOTE, 60);
      await shotsAtBothSizes(pat, 'patient-withdrew');
      await shotsAtBothSizes(doc, 'clinician-sees-withdrawal');
      await shot(admin, 'admin-withdrawal');

      await controls.getByRole('button', { name: `Stop recording ${title}` }).click();
      await controls.getByText('complete', { exact: true }).waitFor({ timeout: 30_000 });
      // The list also holds the first test's recording: this consultation's row.
      const row = admin
        .getByTestId('recording-row')
        .filter({ hasText: 'complete' })
        .filter({ hasText: title });
      const href = (await row.getByRole('link', { name: /Download recording/ }).getAttribute('href')) ?? '';
      const id = /\/api\/recordings\/([^/]+)\/file/.exec(href)?.[1];
      assert.ok(id, href);
      const recording = (await (
        await admin.request.get(`${env.url}/api/recordings/${id}`)
      ).json()) as Recording;
      const patient = recording.consents.find((c) => c.displayName === 'Sam Rivera')!;
      const clinician = recording.consents.find((c) => c.displayName === 'Dr. Lena Ortiz')!;
      assert.ok(patient.withdrawnAt && recording.startedAt && recording.stoppedAt, JSON.stringify(recording));
      assert.equal(patient.decision, 'GRANTED');
      assert.equal(clinician.withdrawnAt, null);

      const audit = (await (
        await admin.request.get(
          `${env.url}/api/audit?consultationId=${recording.consultationId}&action=recording.consent_withdrawn`,
        )
      ).json()) as AuditList;
      assert.equal(audit.events.length, 1, JSON.stringify(audit));
      assert.equal(
        (audit.events[0]!.details as { participantId: string }).participantId,
        patient.participantId,
      );

      // The file: ffprobe shows the patient's audio and video end at the withdrawal (tagged with why), the
      // clinician's go on to the stop. Times on the file's timeline: 0 is the recording's start.
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'consulta-withdrawn-'));
      try {
        const file = path.join(tmp, 'withdrawn.webm');
        await writeFile(file, await (await admin.request.get(new URL(href, env.url).href)).body());
        const withdrawnMs = Date.parse(patient.withdrawnAt) - Date.parse(recording.startedAt);
        const stoppedMs = Date.parse(recording.stoppedAt) - Date.parse(recording.startedAt);
        const streams = probeStreams(file);
        const detail = JSON.stringify({ withdrawnMs, stoppedMs, streams });
        t.diagnostic(detail);
        for (const kind of ['audio', 'video']) {
          const theirs = streams.find((s) => s.participant === patient.participantId && s.kind === kind);
          const others = streams.find((s) => s.participant === clinician.participantId && s.kind === kind);
          assert.ok(theirs && others, detail);
          assert.equal(theirs.ended, 'consent-withdrawn', detail);
          assert.equal(others.ended, undefined, detail);
          // Nothing of the patient after the withdrawal (the server cut it as the message arrived; the margin is
          // the message's way there and a frame in flight), and the clinician recorded well past it.
          assert.ok(theirs.lastMs <= withdrawnMs + 500, `${kind}: ${detail}`);
          assert.ok(others.lastMs >= withdrawnMs + 1500, `${kind}: ${detail}`);
          assert.ok(others.lastMs <= stoppedMs + 500, `${kind}: ${detail}`);
        }
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });

    const shot = (page: Page, name: string, fullPage = false) => env.shot(page, name, fullPage);
  });
}
