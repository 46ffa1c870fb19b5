// Drives one consultation for the streaming-tree benchmark: real Chromium pages running the call-engine fixture
// (tests/browser/fixture) against the real server, a clinician who invites guests by real email and admits them,
// and waits for the room to settle. Times come from the pages (Date.now(), the same clock as the node process).
import type { Consultation, OpenInviteReply, Plan } from '@consulta/protocol';
import type { StreamStat } from '../../tests/browser/fixture/app.ts';
import type { FixtureServer } from '../../tests/browser/fixture-server.ts';
import type { launchChromium } from '../../tests/support/chromium.ts';
import type { startSmtpCapture } from '../../tests/support/smtp.ts';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type BrowserContext = Awaited<ReturnType<Browser['newContext']>>;
export type Page = Awaited<ReturnType<BrowserContext['newPage']>>;

export interface Bandwidth {
  uplinkKbps: number;
  downlinkKbps: number;
}

export interface Member {
  id: string;
  name: string;
  page: Page;
  context: BrowserContext;
}

export interface RoomEnv {
  browser: Browser;
  server: FixtureServer;
  smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
}

/** (receiver, sender) participant ids. */
export type Pair = [receiver: string, sender: string];

const POLL_MS = 100;

export class TreeRoom {
  /** Everyone in the call, in order of arrival; the clinician first. */
  readonly members = new Map<string, Member>();
  private readonly contexts: BrowserContext[] = [];

  private constructor(
    private readonly env: RoomEnv,
    readonly consultationId: string,
    readonly clinician: Member,
  ) {
    this.members.set(clinician.id, clinician);
  }

  /** A clinician signs in, creates a consultation and joins it. */
  static async open(env: RoomEnv, bw: Bandwidth): Promise<TreeRoom> {
    const account = await env.server.createClinician('Dr. Bench');
    const { page, context } = await openPage(env.browser, env.server.pageUrl);
    expectStatus(await api(page, 'POST', '/api/auth/sign-in', account), 200);
    const created = await api(page, 'POST', '/api/consultations', { title: 'Tree benchmark' });
    expectStatus(created, 201);
    const consultationId = (created.body as Consultation).id;
    await start(page, consultationId, bw);
    await page.waitForFunction(() => window.consultaTest.state() === 'joined');
    const id = (await page.evaluate(() => window.consultaTest.selfId()))!;
    const room = new TreeRoom(env, consultationId, { id, name: 'clinician', page, context });
    room.contexts.push(context);
    return room;
  }

  /** Invites a guest by email, opens the link in a new browser context and waits until they are in the lobby. */
  async invite(name: string, bw: Bandwidth): Promise<Member> {
    const doc = this.clinician.page;
    const invited = await api(doc, 'POST', `/api/consultations/${this.consultationId}/invites`, {
      email: `${name}@example.test`,
      displayName: name,
      role: 'FAMILY',
    });
    expectStatus(invited, 201);
    const mail = await this.env.smtp.nextMessage();
    const token = /\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
    if (!token) throw new Error(`no invite link in: ${mail.text}`);
    const { page, context } = await openPage(this.env.browser, this.env.server.pageUrl);
    this.contexts.push(context);
    const opened = await api(page, 'POST', '/api/invites/open', { token });
    expectStatus(opened, 200);
    const id = (opened.body as OpenInviteReply).guest.participantId;
    await start(page, this.consultationId, bw);
    await page.waitForFunction(() => window.consultaTest.state() === 'waiting');
    await doc.waitForFunction((pid) => window.consultaTest.lobbyIds().includes(pid), id);
    return { id, name, page, context };
  }

  /** Admits a guest from the lobby; returns when the clinician's page sent `admit` (page clock). */
  async admit(guest: Member): Promise<number> {
    this.members.set(guest.id, guest);
    return this.clinician.page.evaluate((pid) => {
      const at = Date.now();
      window.consultaTest.admit(pid);
      return at;
    }, guest.id);
  }

  /** The member sends `leave`; returns when (page clock). */
  async leave(id: string): Promise<number> {
    const m = this.members.get(id)!;
    this.members.delete(id);
    return m.page.evaluate(() => {
      const at = Date.now();
      window.consultaTest.leave();
      return at;
    });
  }

  /**
   * The member's tab crashes: its renderer dies (DevTools `Page.crash`) without a leave, and Chromium closes its
   * socket on its behalf. Returns when (page clock, read just before). Its place stays in the room (the grace).
   */
  async crash(id: string): Promise<number> {
    const m = this.members.get(id)!;
    this.members.delete(id);
    const crashed = new Promise<void>((resolve) => m.page.once('crash', () => resolve()));
    const devtools = await m.context.newCDPSession(m.page);
    const at = await m.page.evaluate(() => Date.now());
    // The command never answers: the renderer it talks to is gone. The page's `crash` event says it happened.
    void devtools.send('Page.crash').catch(() => {});
    await crashed;
    return at;
  }

  /** The plan the clinician's page holds. */
  plan(): Promise<Plan | null> {
    return this.clinician.page.evaluate(planOf);
  }

  page(id: string): Page {
    return this.members.get(id)!.page;
  }

  name(id: string): string {
    return this.members.get(id)?.name ?? id.slice(0, 6);
  }

  /** Every ordered (receiver, sender) pair of the members. */
  pairs(): Pair[] {
    const ids = [...this.members.keys()];
    return ids.flatMap((r) => ids.filter((s) => s !== r).map((s): Pair => [r, s]));
  }

  /**
   * Waits until every member holds the same plan, it satisfies `ok`, and no newer plan came for `quietMs`. The
   * server resends a plan only when routing changed, so a plan that merely still lists a newcomer's bandwidth as
   * unknown can be final: quiet time, not the reasons, tells that the room settled.
   */
  async settledPlan(ok: (p: Plan) => boolean, timeoutMs: number, quietMs = 500): Promise<Plan> {
    const deadline = Date.now() + timeoutMs;
    let since = { version: -1, at: 0 };
    for (;;) {
      const plans = await Promise.all([...this.members.values()].map((m) => m.page.evaluate(planOf)));
      const first = plans[0];
      const same = first && plans.every((p) => p?.version === first.version) && ok(first);
      if (same && since.version !== first.version) since = { version: first.version, at: Date.now() };
      if (same && Date.now() - since.at >= quietMs) return first;
      if (Date.now() > deadline) {
        const show = plans.map((p) => [p?.version, p?.topology, p?.reasons.map((r) => r.code)]);
        throw new Error(`no settled plan in time: ${JSON.stringify(show)}`);
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Waits until every pair receives audio (packets rising between two samples) over the connection the plan
   * names (the sender in p2p, its parent in a tree), then up to `extraGraceMs` more for the connections the plan
   * replaced to close. Returns when every pair first flowed on the plan (Date.now()), and the pairs still
   * delivered over more than one connection after the grace.
   */
  async settledMedia(
    plan: Plan,
    timeoutMs: number,
    extraGraceMs = 2_000,
  ): Promise<{ flowingAt: number; doubled: string[] }> {
    const deadline = Date.now() + timeoutMs;
    const pairs = this.pairs();
    let flowingSince = 0;
    let prev = await this.sampleStats();
    for (;;) {
      await sleep(POLL_MS * 2);
      const cur = await this.sampleStats();
      const lagging = pairs.filter(([r, s]) => {
        const c = cur.get(r)?.[s];
        const p = prev.get(r)?.[s];
        const role = plan.topology === 'p2p' ? 'mesh' : 'recv';
        const via =
          plan.topology === 'p2p' ? s : plan.edges.find((e) => e.streamId === s && e.child === r)?.parent;
        return !c || !p || c.packets <= p.packets || !c.via.some((v, i) => v === via && c.roles[i] === role);
      });
      prev = cur;
      if (lagging.length > 0) {
        flowingSince = 0;
        if (Date.now() <= deadline) continue;
        const show = lagging.map(
          ([r, s]) => `${this.name(r)}<-${this.name(s)} ${JSON.stringify(cur.get(r)?.[s])}`,
        );
        throw new Error(`media did not settle on plan v${plan.version}: ${show.join('; ')}`);
      }
      flowingSince ||= Date.now();
      const doubled = pairs.filter(([r, s]) => (cur.get(r)?.[s]?.via.length ?? 0) > 1);
      if (doubled.length === 0 || Date.now() - flowingSince >= extraGraceMs) {
        const show = ([r, s]: Pair) => `${this.name(r)}<-${this.name(s)} ${cur.get(r)?.[s]?.roles.join('+')}`;
        return { flowingAt: flowingSince, doubled: doubled.map(show) };
      }
    }
  }

  /** The engine errors and page logs of every member, for a failure report. */
  async diagnostics(): Promise<string> {
    const out: string[] = [];
    for (const m of this.members.values()) {
      const [errors, log, links] = await Promise.all([
        m.page.evaluate(() => window.consultaTest.errors()).catch(() => []),
        m.page.evaluate(() => window.consultaTest.log()).catch(() => []),
        m.page.evaluate(() => window.consultaTest.debug()).catch(() => []),
      ]);
      out.push(
        `--- ${m.name} ${m.id.slice(0, 8)}: errors ${JSON.stringify(errors)}\n` +
          `${log.slice(-20).join('\n')}\n${links.join('\n')}`,
      );
    }
    return out.join('\n');
  }

  async close(): Promise<void> {
    for (const m of this.members.values())
      await m.page.evaluate(() => window.consultaTest.leave()).catch(() => {});
    for (const c of this.contexts) await c.close().catch(() => {});
    this.members.clear();
  }

  private async sampleStats(): Promise<Map<string, Record<string, StreamStat>>> {
    const entries = await Promise.all(
      [...this.members].map(
        async ([id, m]) => [id, await m.page.evaluate(() => window.consultaTest.streamStats())] as const,
      ),
    );
    return new Map(entries);
  }
}

const planOf = () => window.consultaTest.plan();

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openPage(browser: Browser, url: string): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: { width: 680, height: 360 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.consultaTest !== undefined);
  return { page, context };
}

function api(page: Page, method: string, path: string, body?: unknown) {
  return page.evaluate(
    ([m, p, b]) => window.consultaTest.api(m as string, p as string, b),
    [method, path, body],
  );
}

function start(page: Page, consultationId: string, bw: Bandwidth): Promise<void> {
  return page.evaluate(
    ([id, fixedBandwidth]) =>
      window.consultaTest.start({
        consultationId: id as string,
        iceTransportPolicy: 'all',
        audioOnly: true,
        fixedBandwidth: fixedBandwidth as Bandwidth,
      }),
    [consultationId, bw] as const,
  );
}

function expectStatus(res: { status: number; body: unknown }, status: number): void {
  if (res.status !== status)
    throw new Error(`HTTP ${res.status} (expected ${status}): ${JSON.stringify(res.body)}`);
}
