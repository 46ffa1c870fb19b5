// Single sign-on in Chromium: the clinician sign-in page shows "Sign in with <label>" when the server has an OpenID
// provider configured; the button goes through the real provider's (oidc-provider) login and consent pages and
// comes back signed in; a person the clinic does not admit comes back to the sign-in page with the reason shown;
// with two-factor required by the admin (the Staff page's switch), an SSO newcomer enrols an authenticator first.
// Screenshots at 390x844 and 1280x800 go to test-results/web-sso-*.png.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Routes } from '@consulta/protocol';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { issuerOn, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { freePort } from '../support/server.ts';
import { ensureWebBuild, PHONE, startWebEnv, type WebEnv } from './support.ts';

const WIDE = { width: 1280, height: 800 };
let env: WebEnv;
let provider: TestOidcProvider;

before(async () => {
  ensureWebBuild();
  const providerPort = await freePort();
  env = await startWebEnv({
    overrides: {
      media: { enabled: false },
      auth: {
        oidc: {
          enabled: true,
          issuer: issuerOn(providerPort),
          clientId: 'consulta',
          clientSecret: 'a-client-secret-of-the-test-provider',
          scopes: ['openid', 'email', 'profile', 'groups'],
          roleClaim: 'groups',
          roleValues: { admin: ['consulta-admins'], clinician: ['clinicians'] },
          justInTime: true,
          buttonLabel: 'St Mary’s Health',
        },
      },
    },
  });
  provider = await startOidcProvider([`${env.url}${Routes.ssoCallback.path}`], providerPort);
});
after(async () => {
  await env?.close();
  await provider?.close();
});

/** At the provider's own pages: its login form (any name its accounts know), then its consent page. */
async function signInAtProvider(page: Page, login: string) {
  await page.waitForURL((u) => u.href.startsWith(provider.issuer));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('the sign-in page offers the organisation’s sign-in, which signs a clinician in', async () => {
  provider.accounts.set('dr-ngozi', {
    email: 'ngozi.adeyemi@stmarys.test',
    emailVerified: true,
    name: 'Dr Ngozi Adeyemi',
    groups: ['clinicians'],
  });
  const page = await env.newPage(WIDE);
  await page.goto(`${env.url}/clinician/`);
  const button = page.getByRole('link', { name: 'Sign in with St Mary’s Health' });
  await button.waitFor();
  await env.shot(page, 'sso-sign-in-1280');
  await page.setViewportSize(PHONE);
  await env.shot(page, 'sso-sign-in-390', true);
  await button.click();
  await signInAtProvider(page, 'dr-ngozi');
  await page.waitForURL(`${env.url}/clinician/`);
  await page.getByText('Dr Ngozi Adeyemi').first().waitFor();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
});

test('someone outside the clinic’s groups comes back to the sign-in page with the reason', async () => {
  provider.accounts.set('visitor', {
    email: 'visitor@stmarys.test',
    emailVerified: true,
    name: 'A Visitor',
    groups: ['estates'],
  });
  const page = await env.newPage(PHONE);
  await page.goto(`${env.url}/clinician/`);
  await page.getByRole('link', { name: 'Sign in with St Mary’s Health' }).click();
  await signInAtProvider(page, 'visitor');
  await page.getByText('you have no active Consulta account').waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the error code is read once and leaves the address bar');
  await env.shot(page, 'sso-refused-390', true);
});

test('the admin requires two-factor; a newcomer through the provider enrols an authenticator before getting in', async () => {
  const adminAccount = await env.server.createStaff('ADMIN', 'Ada Admin');
  const admin = await env.newPage(WIDE);
  await admin.goto(`${env.url}/admin/`);
  await admin.getByLabel('Email').fill(adminAccount.email);
  await admin.getByLabel('Password').fill(adminAccount.password);
  await admin.getByRole('button', { name: 'Sign in', exact: true }).click();
  await admin.getByRole('button', { name: 'Staff' }).click();
  const required = admin.getByLabel('Require two-factor sign-in for all staff');
  await Promise.all([settingSaved(admin), required.check()]);
  assert.equal(await required.isChecked(), true);
  await env.shot(admin, 'sso-admin-staff-1280');

  provider.accounts.set('dr-tomas', {
    email: 'tomas.silva@stmarys.test',
    emailVerified: true,
    name: 'Dr Tomás Silva',
    groups: ['clinicians'],
  });
  const page = await env.newPage(PHONE);
  await page.goto(`${env.url}/clinician/`);
  await page.getByRole('link', { name: 'Sign in with St Mary’s Health' }).click();
  await signInAtProvider(page, 'dr-tomas');
  await page.getByTestId('enrolment').waitFor();
  const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
  assert.match(secret, /^[A-Z2-7]+$/);
  await env.shot(page, 'sso-enrolment-390', true);
  await page.getByLabel('Code from the app').fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Turn on and sign in' }).click();
  await page.getByTestId('recovery-codes').waitFor();
  await page.getByRole('button', { name: 'I saved them — continue' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await Promise.all([settingSaved(admin), required.uncheck()]);
});

const settingSaved = (page: Page) =>
  page.waitForResponse((r) => r.url().endsWith(Routes.updateSignInSettings.path) && r.ok());
