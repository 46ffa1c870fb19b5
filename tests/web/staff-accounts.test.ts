// The staff-account pages in Chromium against the real server and real SMTP: an admin invites a clinician from the
// admin app; the clinician sets a password from the emailed link (a weak one is explained), enrols an authenticator
// (the code computed here with otplib, from the key the page shows), signs in again with the second step; the admin
// deactivates them. Screenshots at 390x844 and 1280x800 go to test-results/web-staff-*.png.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { ensureWebBuild, PHONE, startWebEnv, type WebEnv } from './support.ts';

const WIDE = { width: 1280, height: 800 };
let env: WebEnv;

before(async () => {
  ensureWebBuild();
  env = await startWebEnv({ overrides: { media: { enabled: false } } });
});
after(() => env?.close());

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('admin invites a clinician, who sets a password, enrols TOTP and signs in with it; then is deactivated', async () => {
  const adminAccount = await env.server.createStaff('ADMIN', 'Ada Admin');
  const admin = await env.newPage(WIDE);
  await admin.goto(`${env.url}/admin/`);
  await signIn(admin, adminAccount.email, adminAccount.password);
  await admin.getByRole('button', { name: 'Staff' }).click();
  const form = admin.getByRole('form', { name: 'Invite a staff member' });
  await form.getByLabel('Name').fill('Dr Lin Okafor');
  await form.getByLabel('Email').fill('lin.okafor@clinic.test');
  await form.getByRole('button', { name: 'Invite' }).click();
  await admin.getByText('Invitation sent to lin.okafor@clinic.test').waitFor();
  await admin.getByTestId('staff-lin.okafor@clinic.test').getByText('invited').waitFor();
  await env.shot(admin, 'staff-admin-1280');
  await admin.setViewportSize(PHONE);
  await env.shot(admin, 'staff-admin-390', true);

  const mail = await env.smtp.nextMessage();
  const link = /(https?:\/\/\S+\/clinician\/#set-password=[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
  assert.ok(link, `set-password link in: ${mail.text}`);
  const doc = await env.newPage(PHONE);
  await doc.goto(link);
  await doc.getByTestId('set-password').waitFor();
  await doc.getByLabel('New password').fill('okafor2024');
  await doc.getByLabel('The same again').fill('okafor2024');
  await doc.getByRole('button', { name: 'Set password' }).click();
  await doc.getByRole('alert').waitFor();
  await env.shot(doc, 'staff-set-password-weak-390');
  const password = 'lantern-otter-basalt-meadow';
  await doc.getByLabel('New password').fill(password);
  await doc.getByLabel('The same again').fill(password);
  await doc.getByRole('button', { name: 'Set password' }).click();
  await doc.getByText('Your password is set').waitFor();
  assert.equal(new URL(doc.url()).hash, '', 'the spent token is gone from the address bar');
  await doc.getByRole('button', { name: 'Sign in' }).click();
  await signIn(doc, 'lin.okafor@clinic.test', password);
  await doc.getByTestId('page-dashboard').waitFor();

  // Enrolment on the clinician's own page.
  await doc.getByRole('button', { name: 'My account' }).click();
  await doc.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const secret = (await doc.getByTestId('totp-secret').textContent()) ?? '';
  await doc.getByAltText('QR code for your authenticator app').waitFor();
  await env.shot(doc, 'staff-totp-enrol-390', true);
  await doc.getByLabel('Code from the app').fill(await generate({ secret }));
  await doc.getByRole('button', { name: 'Turn on' }).click();
  await doc.getByTestId('recovery-codes').waitFor();
  assert.equal(await doc.getByTestId('recovery-codes').locator('li').count(), 10);
  await env.shot(doc, 'staff-recovery-codes-390', true);
  await doc.setViewportSize(WIDE);
  await env.shot(doc, 'staff-account-1280', true);

  // Sign out and in again: now with the second step (the next step's code: the enrolment one is spent).
  await doc.getByRole('button', { name: 'Sign out' }).click();
  await signIn(doc, 'lin.okafor@clinic.test', password);
  await doc.getByTestId('second-factor').waitFor();
  await doc.setViewportSize(PHONE);
  await env.shot(doc, 'staff-second-factor-390');
  await doc
    .getByLabel('Code', { exact: true })
    .fill(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  await doc.getByRole('button', { name: 'Continue' }).click();
  await doc.getByTestId('page-dashboard').waitFor();

  // The admin deactivates the clinician.
  await admin.setViewportSize(WIDE);
  await admin.getByTestId('staff-lin.okafor@clinic.test').getByRole('button', { name: 'Deactivate' }).click();
  await admin.getByTestId('staff-lin.okafor@clinic.test').getByText('deactivated').waitFor();
  const me = await doc.evaluate(async () => (await fetch('/api/auth/me')).status);
  assert.equal(me, 401, 'the deactivated clinician’s session ended');
});

test('forgot password from the sign-in page answers the same for any address', async () => {
  const page = await env.newPage(PHONE);
  await page.goto(`${env.url}/clinician/`);
  await page.getByRole('button', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email').fill('someone@clinic.test');
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await page.getByText('If someone@clinic.test belongs to a staff account').waitFor();
  await env.shot(page, 'staff-forgot-390');
});
