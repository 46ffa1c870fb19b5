// A consultation for latency measurement: the call-engine fixture page (tests/browser/fixture) in Chromium, every
// participant in its own browser context with the latency probe installed as sender 0, 1, 2, … in order of
// arrival (the clinician first). Guests are invited by (captured) email and admitted. Used by the probe's own
// test and by bench/latency.bench.ts; whatever route the server plans (set it with routing.forceTopology), the
// probe measures what every page receives.
import type { Consultation, OpenInviteReply, Plan } from '@consulta/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { installLatencyProbe } from '../support/latency-probe/inject.ts';
import type { startSmtpCapture } from '../support/smtp.ts';
import type { FixtureServer } from './fixture-server.ts';

export interface ProbePerson {
  id: string;
  /** The probe's sender index of this person's stream. */
  sender: number;
  page: Page;
}

export interface ProbeCallOptions {
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Only the clinician (sender 0) sends video, the others audio only: less CPU on a small machine. */
  videoFromClinicianOnly?: boolean;
  bandwidth?: { uplinkKbps: number; downlinkKbps: number };
}

const AMPLE = { uplinkKbps: 20_000, downlinkKbps: 20_000 };

export class ProbeCall {
  readonly people: ProbePerson[] = [];
  private readonly contexts: BrowserContext[] = [];
  private consultationId = '';

  constructor(
    private readonly browser: Browser,
    private readonly server: FixtureServer,
    private readonly smtp: Awaited<ReturnType<typeof startSmtpCapture>>,
    private readonly options: ProbeCallOptions = {},
  ) {}

  /** The clinician signs in, creates the consultation and joins; then `guests` are invited and admitted. */
  async open(guests: number): Promise<void> {
    const account = await this.server.createClinician('Dr. Probe');
    const doc = await this.newPage();
    expect(await api(doc, 'POST', '/api/auth/sign-in', account), 200);
    const created = await api(doc, 'POST', '/api/consultations', { title: 'Latency' });
    expect(created, 201);
    this.consultationId = (created.body as Consultation).id;
    await this.start(doc, false);
    await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
    this.people.push({ id: (await doc.evaluate(() => window.consultaTest.selfId()))!, sender: 0, page: doc });
    for (let g = 1; g <= guests; g++) await this.admitGuest(g);
  }

  private async admitGuest(index: number): Promise<void> {
    const doc = this.people[0]!.page;
    const invited = await api(doc, 'POST', `/api/consultations/${this.consultationId}/invites`, {
      email: `guest${index}@example.test`,
      displayName: `guest ${index}`,
      role: 'FAMILY',
    });
    expect(invited, 201);
    const token = /\/join#([A-Za-z0-9_-]+)/.exec((await this.smtp.nextMessage()).text ?? '')?.[1];
    if (!token) throw new Error('no invite link in the email');
    const page = await this.newPage();
    const opened = await api(page, 'POST', '/api/invites/open', { token });
    expect(opened, 200);
    const id = (opened.body as OpenInviteReply).guest.participantId;
    await this.start(page, this.options.videoFromClinicianOnly === true);
    await page.waitForFunction(() => window.consultaTest.state() === 'waiting');
    await doc.waitForFunction((pid) => window.consultaTest.lobbyIds().includes(pid), id);
    await doc.evaluate((pid) => window.consultaTest.admit(pid), id);
    await page.waitForFunction(() => window.consultaTest.state() === 'joined');
    this.people.push({ id, sender: index, page });
  }

  /** Waits until every page holds the same plan and it satisfies `ok`. */
  async settledPlan(ok: (p: Plan) => boolean, timeoutMs = 30_000): Promise<Plan> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const plans = await Promise.all(
        this.people.map((p) => p.page.evaluate(() => window.consultaTest.plan())),
      );
      const first = plans[0];
      if (first && plans.every((p) => p?.version === first.version) && ok(first)) return first;
      if (Date.now() > deadline)
        throw new Error(`no settled plan: ${JSON.stringify(plans.map((p) => [p?.version, p?.topology]))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async diagnostics(): Promise<string> {
    const out: string[] = [];
    for (const p of this.people) {
      const log = await p.page.evaluate(() => window.consultaTest.log()).catch(() => []);
      const errors = await p.page.evaluate(() => window.consultaTest.errors()).catch(() => []);
      out.push(
        `--- sender ${p.sender} ${p.id.slice(0, 8)} errors ${JSON.stringify(errors)}\n${log.join('\n')}`,
      );
    }
    return out.join('\n');
  }

  async close(): Promise<void> {
    for (const p of this.people) await p.page.evaluate(() => window.consultaTest.leave()).catch(() => {});
    for (const c of this.contexts) await c.close().catch(() => {});
  }

  private async newPage(): Promise<Page> {
    const context = await this.browser.newContext({ viewport: { width: 680, height: 360 } });
    this.contexts.push(context);
    await installLatencyProbe(context, { sender: this.contexts.length - 1 });
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
    await page.goto(this.server.pageUrl);
    await page.waitForFunction(() => window.consultaTest !== undefined);
    return page;
  }

  private start(page: Page, audioOnly: boolean): Promise<void> {
    return page.evaluate(
      ([id, policy, bw, audio]) =>
        window.consultaTest.start({
          consultationId: id as string,
          iceTransportPolicy: policy as RTCIceTransportPolicy,
          fixedBandwidth: bw as { uplinkKbps: number; downlinkKbps: number },
          audioOnly: audio as boolean,
        }),
      [
        this.consultationId,
        this.options.iceTransportPolicy ?? 'all',
        this.options.bandwidth ?? AMPLE,
        audioOnly,
      ] as const,
    );
  }
}

function api(page: Page, method: string, path: string, body?: unknown) {
  return page.evaluate(
    ([m, p, b]) => window.consultaTest.api(m as string, p as string, b),
    [method, path, body],
  );
}

function expect(res: { status: number; body: unknown }, status: number): void {
  if (res.status !== status)
    throw new Error(`HTTP ${res.status} (expected ${status}): ${JSON.stringify(res.body)}`);
}
