// The call-engine fixture page (fixture/app.ts, `window.consultaTest`) as the browser tests drive it, on either
// engine: open it, call the server's API from it, start its call engine, and bring a guest in by emailed invite.
import assert from 'node:assert/strict';
import type { Consultation, GuestRole, Invite, OpenInviteReply } from '@consulta/protocol';
import type { BrowserEngine, EngineName, ParticipantPage } from '../support/browser-engine.ts';
import type { SmtpCapture } from '../support/smtp.ts';
import type { StartOptions } from './fixture/app.ts';
import type { FixtureSuite } from './fixture-suite.ts';

/** A new page (its own profile) on `engine`, showing the fixture page at `url` once its harness is there. */
export async function openFixturePage(engine: BrowserEngine, url: string): Promise<ParticipantPage> {
  const page = await engine.newPage();
  // Loaded once more when its script has not started after a while: a CI run once had a page whose script never
  // ran (loaded, 30 s, no harness, cause unknown). This is the test's own page, not the product's, and what the
  // page showed is printed, so a cause can be found.
  for (const [attempt, timeout] of [
    [1, 20_000],
    [2, 30_000],
  ] as const) {
    await page.goto(url);
    try {
      await page.waitForFunction(() => window.consultaTest !== undefined, undefined, { timeout });
      return page;
    } catch (err) {
      const seen = await page
        .evaluate(
          () =>
            `readyState ${document.readyState}, scripts ${document.scripts.length}, ` +
            `status "${document.getElementById('status')?.textContent}"`,
        )
        .catch((e: unknown) => `page unreadable: ${String(e)}`);
      const what = `the fixture page at ${url} did not start in ${timeout} ms (${seen})`;
      if (attempt === 2) throw new Error(what, { cause: err });
      console.error(`${what}; loading it again`);
    }
  }
  throw new Error('unreachable');
}

/** A request to the server from the page, with the page's cookies. */
export function fixtureApi(
  page: ParticipantPage,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    ([m, p, b]) => window.consultaTest.api(m as string, p as string, b),
    [method, path, body],
  );
}

export function startCall(page: ParticipantPage, options: StartOptions): Promise<void> {
  return page.evaluate((o) => window.consultaTest.start(o), options);
}

/** The clinician signs in on `page` and creates a consultation titled `title`. */
export async function createConsultation(
  page: ParticipantPage,
  account: { email: string; password: string },
  title: string,
): Promise<Consultation> {
  assert.equal((await fixtureApi(page, 'POST', '/api/auth/sign-in', account)).status, 200);
  const created = await fixtureApi(page, 'POST', '/api/consultations', { title });
  assert.equal(created.status, 201);
  return created.body as Consultation;
}

/** The clinician on `doc` invites `guest` by email; the invite and the token its emailed link carries. */
export async function emailInvite(
  doc: ParticipantPage,
  smtp: SmtpCapture,
  consultationId: string,
  guest: { email: string; displayName: string; role?: GuestRole },
): Promise<{ invite: Invite; token: string }> {
  const invited = await fixtureApi(doc, 'POST', `/api/consultations/${consultationId}/invites`, guest);
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  const mail = await smtp.nextMessage();
  const token = /\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
  assert.ok(token, `no invite link in: ${mail.text}`);
  return { invite: invited.body as Invite, token };
}

/** The guest opens the invite link's `token` on `page`; their participant id. */
export async function openInvite(page: ParticipantPage, token: string): Promise<string> {
  const opened = await fixtureApi(page, 'POST', '/api/invites/open', { token });
  assert.equal(opened.status, 200);
  return (opened.body as OpenInviteReply).guest.participantId;
}

/** The guest on `page` (participant `id`) has started and waits; the clinician on `doc` sees them in the lobby. */
export async function inLobby(doc: ParticipantPage, page: ParticipantPage, id: string): Promise<void> {
  await page.waitForFunction(() => window.consultaTest.state() === 'waiting');
  await doc.waitForFunction((pid) => window.consultaTest.lobbyIds().includes(pid), id);
}

/** What opening fixture pages needs: the engines, and where the page is (a FixtureSuite has both). */
export type FixturePageSource = Pick<FixtureSuite, 'engine'> & { server: { pageUrl: string } };

/** The fixture pages one test opens (each its own profile), closed together at its end. */
export class FixturePages {
  readonly all: ParticipantPage[] = [];

  constructor(private readonly suite: FixturePageSource) {}

  /** `url`: the page elsewhere than the suite's (a cluster test picks the node through the balancer it uses). */
  async open(on: EngineName = 'chromium', url = this.suite.server.pageUrl): Promise<ParticipantPage> {
    const page = await openFixturePage(this.suite.engine(on), url);
    this.all.push(page);
    return page;
  }

  /** Every page's engine log and debug lines (on failure). */
  dump(): Promise<void> {
    return dumpFixturePages(this.all);
  }

  async close(): Promise<void> {
    for (const page of this.all) await page.close().catch(() => {});
  }
}

/** Each page's engine log and debug lines (on failure). */
export async function dumpFixturePages(pages: Iterable<ParticipantPage>): Promise<void> {
  for (const page of pages) {
    const log = await page.evaluate(() => window.consultaTest?.log() ?? []).catch(() => []);
    const debug = await page.evaluate(() => window.consultaTest?.debug() ?? []).catch(() => []);
    console.error(`--- ${page.engine} page log ---\n${log.join('\n')}\n${debug.join('\n')}`);
  }
}

/**
 * A 1:1 call through the admission: the clinician signs in on `doc`, creates a consultation titled `title` and
 * invites the patient by email; the patient opens the emailed link on `pat`; both start their engines with
 * `iceTransportPolicy`, the patient waits in the lobby and the clinician admits them; then both pages decode a
 * first frame (within `firstFrameMs`). When the admission was, each side's first frame (Date.now() values), the
 * consultation and the patient's participant id.
 */
export async function admittedCall(
  /** Where the invite email goes, and how a clinician account is made (a FixtureSuite, or a cluster's). */
  suite: {
    smtp: SmtpCapture;
    server: { createClinician(name: string): Promise<{ email: string; password: string }> };
  },
  doc: ParticipantPage,
  pat: ParticipantPage,
  options: { title: string; iceTransportPolicy: RTCIceTransportPolicy; firstFrameMs: number },
): Promise<{
  admittedAt: number;
  docFrame: number;
  patFrame: number;
  consultationId: string;
  patientId: string;
}> {
  const account = await suite.server.createClinician('Dr. Ada Osei');
  const consult = await createConsultation(doc, account, options.title);
  const { invite, token } = await emailInvite(doc, suite.smtp, consult.id, {
    email: 'pat.patient@example.test',
    displayName: 'Pat Patient',
  });
  assert.equal(invite.role, 'PATIENT');
  const patientId = await openInvite(pat, token);
  const start = { consultationId: consult.id, iceTransportPolicy: options.iceTransportPolicy };
  await startCall(doc, start);
  await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
  await startCall(pat, start);
  await inLobby(doc, pat, patientId);

  const admittedAt = Date.now();
  await doc.evaluate((id) => window.consultaTest.admit(id), patientId);
  await pat.waitForFunction(() => window.consultaTest.state() === 'joined');
  const firstFrame = (page: ParticipantPage) =>
    page.waitForFunction(() => window.consultaTest.firstFrameAt(), undefined, {
      timeout: options.firstFrameMs,
    });
  const [docFrame, patFrame] = await Promise.all([firstFrame(doc), firstFrame(pat)]);
  return { admittedAt, docFrame, patFrame, consultationId: consult.id, patientId };
}
