// A consultation between browsers in the lab: a clinician signs in and creates it, guests are invited (the real
// invite email, through a real SMTP server) and admitted, each in a Chromium of their own behind their own
// router. Tests and benches drive the pages through `window.lab` (page/app.ts).
import assert from 'node:assert/strict';
import type { Consultation, GuestRole, OpenInviteReply, Plan } from '@consulta/protocol';
import type { DeepPartialConfig } from '@consulta/server';
import type { BrowserContext, Page } from 'playwright-core';
import { startSmtpCapture } from '../smtp.ts';
import { type LabBrowser, type LabBrowserOptions, launchLabChromium } from './browser.ts';
import { type LabServer, startLabServer } from './call-server.ts';
import type { LabHost } from './lab.ts';
import type { LabStartOptions } from './page/app.ts';
import type { LabCertificates } from './tls.ts';

export interface LabParticipant {
  name: string;
  host: LabHost;
  page: Page;
  /** Participant id (the stream id others see). */
  id: string;
  browser: LabBrowser;
}

type JoinOptions = Omit<LabStartOptions, 'consultationId'>;

/** Runs on each participant's browser context before their page opens (e.g. the latency probe's init script). */
export type PrepareContext = (context: BrowserContext, participantIndex: number) => Promise<void>;

export class LabCall {
  readonly participants: LabParticipant[] = [];
  private consultation: Consultation | null = null;
  private constructor(
    readonly server: LabServer,
    private readonly smtp: Awaited<ReturnType<typeof startSmtpCapture>>,
    private readonly browserOptions: LabBrowserOptions,
    private readonly prepareContext?: PrepareContext,
  ) {}

  static async start(
    options: { tls?: LabCertificates; overrides?: DeepPartialConfig; prepareContext?: PrepareContext } = {},
  ): Promise<LabCall> {
    const smtp = await startSmtpCapture();
    try {
      const server = await startLabServer({
        ...(options.tls ? { tls: options.tls } : {}),
        overrides: { ...options.overrides, email: { smtpUrl: smtp.url } },
      });
      return new LabCall(
        server,
        smtp,
        {
          secureOrigins: [`http://198.19.0.1`],
          ...(options.tls ? { trustedCaPem: [options.tls.caPem] } : {}),
        },
        options.prepareContext,
      );
    } catch (err) {
      await smtp.close();
      throw err;
    }
  }

  get consultationId(): string {
    assert.ok(this.consultation, 'no consultation yet: add the clinician first');
    return this.consultation.id;
  }

  /** The clinician: signs in, creates the consultation and joins it. */
  async addClinician(name: string, host: LabHost, join: JoinOptions = {}): Promise<LabParticipant> {
    const { page, browser } = await this.openPage(host);
    const account = await this.server.createClinician(name);
    assert.equal((await api(page, 'POST', '/api/auth/sign-in', account)).status, 200);
    const created = await api(page, 'POST', '/api/consultations', { title: `Lab call ${name}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    this.consultation = created.body as Consultation;
    await startOn(page, { ...join, consultationId: this.consultation.id });
    await page.waitForFunction(() => window.lab.state() === 'joined', undefined, { timeout: 30_000 });
    const id = (await page.evaluate(() => window.lab.selfId()))!;
    const p = { name, host, page, id, browser };
    this.participants.push(p);
    return p;
  }

  /** A guest: invited by email, opens the link, waits, is admitted by the clinician. */
  async addGuest(name: string, host: LabHost, join: JoinOptions = {}, role: GuestRole = 'PATIENT') {
    const clinician = this.participants[0];
    assert.ok(clinician, 'add the clinician first');
    const invited = await api(clinician.page, 'POST', `/api/consultations/${this.consultationId}/invites`, {
      email: `${name}@example.test`,
      displayName: name,
      role,
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const mail = await this.smtp.nextMessage(20_000);
    const token = /\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
    assert.ok(token, `no invite link in: ${mail.text}`);
    const { page, browser } = await this.openPage(host);
    const opened = await api(page, 'POST', '/api/invites/open', { token });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const id = (opened.body as OpenInviteReply).guest.participantId;
    await startOn(page, { ...join, consultationId: this.consultationId });
    await page.waitForFunction(() => window.lab.state() === 'waiting', undefined, { timeout: 30_000 });
    await clinician.page.waitForFunction((pid) => window.lab.lobbyIds().includes(pid), id, {
      timeout: 20_000,
    });
    await clinician.page.evaluate((pid) => window.lab.admit(pid), id);
    await page.waitForFunction(() => window.lab.state() === 'joined', undefined, { timeout: 30_000 });
    const p = { name, host, page, id, browser };
    this.participants.push(p);
    return p;
  }

  nameOf(id: string): string {
    return this.participants.find((p) => p.id === id)?.name ?? id.slice(0, 6);
  }

  /** Waits until every page holds the same plan and it satisfies `ok`. */
  async settledPlan(ok: (p: Plan) => boolean, timeoutMs = 30_000, who = this.participants): Promise<Plan> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const plans = await Promise.all(who.map((p) => p.page.evaluate(() => window.lab.plan())));
      const first = plans[0];
      if (first && plans.every((p) => p?.version === first.version) && ok(first)) return first;
      if (Date.now() > deadline) {
        // What each page reported: a plan that never comes is most often a measurement that is off.
        const reports = await Promise.all(
          who.map(async (p) => {
            const r = await p.page.evaluate(() => window.lab.bandwidthReports()).catch(() => []);
            const figures = r.map((x) => `${x.sample.uplinkKbps}/${x.sample.downlinkKbps}`).join(' ');
            return `${p.name} (${p.id.slice(0, 8)}, ${p.host.profile.name}) up/down kbit/s: ${figures}`;
          }),
        );
        assert.fail(
          `no settled plan in time: ${JSON.stringify(plans.map((p) => [p?.version, p?.topology, p?.quality, p?.reasons]))}\n${reports.join('\n')}`,
        );
      }
      await sleep(200);
    }
  }

  /** Page logs and errors of everyone, for a failure's output. */
  async dump(): Promise<string> {
    const parts = await Promise.all(
      this.participants.map(async (p) => {
        const log = await p.page.evaluate(() => window.lab.log()).catch(() => []);
        return `--- ${p.name} (${p.host.profile.name}) ---\n${log.join('\n')}`;
      }),
    );
    return parts.join('\n');
  }

  async close(): Promise<void> {
    for (const p of this.participants) await p.page.evaluate(() => window.lab.leave()).catch(() => {});
    for (const p of this.participants) await p.browser.close();
    await this.server.close();
    await this.smtp.close();
  }

  private async openPage(host: LabHost): Promise<{ page: Page; browser: LabBrowser }> {
    const browser = await launchLabChromium(host, this.browserOptions);
    try {
      const context = await browser.browser.newContext({ viewport: { width: 640, height: 400 } });
      await this.prepareContext?.(context, this.participants.length);
      const page = await context.newPage();
      page.on('pageerror', (err) => console.error(`[${host.name} page error] ${err.message}`));
      await page.goto(this.server.pageUrl, { timeout: 30_000 });
      await page.waitForFunction(() => window.lab !== undefined);
      return { page, browser };
    } catch (err) {
      await browser.close();
      throw err;
    }
  }
}

export function api(page: Page, method: string, p: string, body?: unknown) {
  return page.evaluate(([m, pp, b]) => window.lab.api(m as string, pp as string, b), [
    method,
    p,
    body,
  ] as const);
}

function startOn(page: Page, options: LabStartOptions): Promise<void> {
  return page.evaluate((o) => window.lab.start(o), options);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(250);
  }
}
