// What a patient sees when the way in is closed, through the UI in real Chromium against the real server: the
// clinician revokes an invitation (the waiting patient and the link then show the revoked page), an expired link,
// and a denied admission. Runs in a loopback-only namespace.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import {
  clinicianStarts,
  ensureWebBuild,
  inviteByEmail,
  PHONE,
  patientWaits,
  startWebEnv,
  type WebEnv,
} from './support.ts';

const thisFile = fileURLToPath(import.meta.url);

namespacedSuite(
  thisFile,
  { what: 'invitation outcome pages through the UI', passes: 3, prepare: ensureWebBuild },
  'revoked, expired and denied in Chromium',
  () => {
    let env: WebEnv;
    before(async () => {
      env = await startWebEnv();
    });
    after(async () => {
      await env?.close();
    });

    /** The page says what happened and what to do next. */
    async function explains(page: Page, testId: string, title: string): Promise<void> {
      const outcome = page.getByTestId(testId);
      await outcome.waitFor({ timeout: 10_000 });
      await outcome.getByRole('heading', { name: title }).waitFor();
      await outcome.getByRole('heading', { name: 'What you can do' }).waitFor();
    }

    test('revoking an invitation shuts out the waiting patient and kills the link', async () => {
      const doc = await clinicianStarts(env, 'Dr. Rosa Kim', 'Revocation check');
      const link = await inviteByEmail(env, doc, 'riley@example.test', 'Riley Guest');
      const pat = await patientWaits(env, link);
      await doc.getByRole('button', { name: 'Admit Riley Guest' }).waitFor();
      const invitations = doc.getByTestId('invitations');
      await invitations.getByText('opened').waitFor();

      await invitations.getByRole('button', { name: 'Revoke invitation for Riley Guest' }).click();
      await invitations.getByText('Invitation for Riley Guest revoked').waitFor();
      await invitations.getByText('revoked', { exact: true }).waitFor();
      assert.equal(
        await invitations.getByRole('button', { name: 'Revoke invitation for Riley Guest' }).count(),
        0,
        'a revoked invitation has no revoke button',
      );
      await doc.getByText('Nobody is waiting.').waitFor();
      await env.shot(doc, 'clinician-revoked');

      // The waiting patient is told, and so is anyone opening the link afterwards.
      await explains(pat, 'page-invite-revoked', 'This invitation was withdrawn');
      await env.shot(pat, 'patient-revoked');
      const again = await env.newPage(PHONE);
      await again.goto(link);
      await explains(again, 'page-invite-revoked', 'This invitation was withdrawn');
    });

    test('an expired link shows the expired page', async () => {
      const doc = await clinicianStarts(env, 'Dr. Ben Ade', 'Expiry check');
      const link = await inviteByEmail(env, doc, 'old.link@example.test', 'Olu Late');
      const expired = await env.server.db.prisma.invite.updateMany({
        where: { email: 'old.link@example.test' },
        data: { expiresAt: new Date(Date.now() - 60_000) },
      });
      assert.equal(expired.count, 1);
      const pat = await env.newPage(PHONE);
      await pat.goto(link);
      await explains(pat, 'page-invite-expired', 'This link has expired');
      assert.equal(new URL(pat.url()).hash, '', 'the token is gone from the address bar');
      await env.shot(pat, 'patient-expired');
      // The clinician's list says so too, without a revoke button.
      await doc.reload();
      await doc.getByTestId('invitations').getByText('expired', { exact: true }).waitFor();
    });

    test('a denied patient sees the not-admitted page', async () => {
      const doc = await clinicianStarts(env, 'Dr. Ivo Petrov', 'Admission check');
      const link = await inviteByEmail(env, doc, 'dana@example.test', 'Dana Guest');
      const pat = await patientWaits(env, link);
      await doc.getByRole('button', { name: 'Deny Dana Guest' }).click();
      await explains(pat, 'page-denied', 'You were not admitted');
      await env.shot(pat, 'patient-denied');
      await doc.getByText('Nobody is waiting.').waitFor();
    });
  },
);
