// Shared by the tests/browser/sfu-*.test.ts files: a consultation in Chromium pages through the real server with
// the SFU fixture page, guests invited by (captured) email and admitted, waits on what pages receive, and a
// watch on the server's mediasoup objects through mediasoup's own observer (same process, no app hook needed).
import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import type { Consultation, GuestRole, OpenInviteReply } from '@consulta/protocol';
import type { Browser } from 'playwright-core';
import { type BrowserEngine, chromiumEngine, type ParticipantPage } from '../support/browser-engine.ts';
import { launchChromium } from '../support/chromium.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { startSmtpCapture } from '../support/smtp.ts';
import { type FixtureServer, startFixtureServer } from './fixture-server.ts';
import type { Received } from './sfu-fixture/app.ts';

const POLL_MS = 100;

export interface Person {
  id: string;
  name: string;
  page: ParticipantPage;
}

export class SfuCall {
  readonly people: Person[] = [];
  private readonly pages: ParticipantPage[] = [];
  private consultId = '';
  private guests = 0;

  private constructor(
    /** The engine pages open on unless a person is given another (mixed-engine calls). */
    readonly browser: BrowserEngine,
    readonly server: FixtureServer,
    private readonly smtp: Awaited<ReturnType<typeof startSmtpCapture>>,
    private readonly bandwidth: { uplinkKbps: number; downlinkKbps: number } | undefined,
  ) {}

  /** A server with `overrides`; every page reports `bandwidth` (default ample). */
  static async start(
    browser: Browser | BrowserEngine,
    overrides: Parameters<typeof startFixtureServer>[0],
    bandwidth?: { uplinkKbps: number; downlinkKbps: number },
  ) {
    const smtp = await startSmtpCapture();
    const server = await startFixtureServer({ ...overrides, email: { smtpUrl: smtp.url } }, 'sfu-fixture');
    const engine = 'browserType' in browser ? chromiumEngine(browser) : browser;
    return new SfuCall(engine, server, smtp, bandwidth);
  }

  get consultationId(): string {
    return this.consultId;
  }

  get doctor(): Person {
    return this.people[0]!;
  }

  byId(id: string): Person {
    const p = this.people.find((x) => x.id === id);
    assert.ok(p, `no person ${id}`);
    return p;
  }

  /**
   * The clinician signs in, creates the consultation and joins (with a `camera` of that size, default 320x240),
   * on `engine` (default the call's).
   */
  async open(camera?: { width: number; height: number }, engine?: BrowserEngine): Promise<Person> {
    const account = await this.server.createClinician('Dr. Ada Osei');
    const page = await this.newPage(engine);
    assert.equal((await api(page, 'POST', '/api/auth/sign-in', account)).status, 200);
    const created = await api(page, 'POST', '/api/consultations', { title: 'SFU call' });
    assert.equal(created.status, 201);
    this.consultId = (created.body as Consultation).id;
    await page.evaluate(([id, bw, cam]) => window.sfuTest.start(id!, bw, cam), [
      this.consultId,
      this.bandwidth,
      camera,
    ] as const);
    await page.waitForFunction(() => window.sfuTest.state() === 'joined');
    const person = { id: (await page.evaluate(() => window.sfuTest.selfId()))!, name: 'clinician', page };
    this.people.push(person);
    return person;
  }

  /** Invites a guest by email, opens the link in a new page (on `engine`), and the clinician admits them. */
  /**
   * Invites a guest, who joins and waits in the lobby until the doctor admits them. `whileWaiting` runs once the
   * doctor sees them waiting, before the admission (a clinician seldom admits at once; warm standby uses that).
   */
  async admitGuest(
    name: string,
    role: GuestRole = 'FAMILY',
    engine?: BrowserEngine,
    whileWaiting?: () => Promise<void>,
  ): Promise<Person> {
    const doc = this.doctor.page;
    const invited = await api(doc, 'POST', `/api/consultations/${this.consultId}/invites`, {
      email: `${name}-${++this.guests}@example.test`,
      displayName: name,
      role,
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const token = /\/join#([A-Za-z0-9_-]+)/.exec((await this.smtp.nextMessage()).text ?? '')?.[1];
    assert.ok(token);
    const page = await this.newPage(engine);
    const opened = await api(page, 'POST', '/api/invites/open', { token });
    assert.equal(opened.status, 200);
    const id = (opened.body as OpenInviteReply).guest.participantId;
    await page.evaluate(([c, bw]) => window.sfuTest.start(c!, bw), [this.consultId, this.bandwidth] as const);
    await page.waitForFunction(() => window.sfuTest.state() === 'waiting');
    await doc.waitForFunction((pid) => window.sfuTest.lobbyIds().includes(pid), id);
    await whileWaiting?.();
    await doc.evaluate((pid) => window.sfuTest.admit(pid), id);
    await page.waitForFunction(() => window.sfuTest.state() === 'joined');
    const person = { id, name, page };
    this.people.push(person);
    return person;
  }

  /** The person leaves the call (the engine's leave) and their page closes. */
  async leave(person: Person): Promise<void> {
    await person.page.evaluate(() => window.sfuTest.leave());
    this.people.splice(this.people.indexOf(person), 1);
  }

  /** Waits until every page holds a plan of `topology` (and the same version). */
  async settledOn(topology: 'p2p' | 'tree' | 'sfu', timeoutMs = 45_000): Promise<void> {
    await until(
      async () => {
        const plans = await Promise.all(this.people.map((p) => p.page.evaluate(() => window.sfuTest.plan())));
        return plans.every((p) => p?.topology === topology && p.version === plans[0]?.version);
      },
      timeoutMs,
      `every page on ${topology}`,
    );
  }

  /**
   * Waits until every (receiver, sender) pair among the people decodes new video frames and receives new audio
   * packets through `path`, between two samples. Returns when each pair first did.
   */
  async allReceive(path: 'sfu' | 'peers', timeoutMs = 60_000): Promise<Map<string, number>> {
    const sample = () =>
      Promise.all(
        this.people.map(
          async (p) =>
            [
              p.id,
              await p.page.evaluate(
                (via) => (via === 'sfu' ? window.sfuTest.viaSfu() : window.sfuTest.viaPeers()),
                path,
              ),
            ] as const,
        ),
      ).then((rows) => new Map(rows));
    const pairs = this.people.flatMap((r) => this.people.filter((s) => s !== r).map((s) => [r, s] as const));
    const done = new Map<string, number>();
    let prev = await sample();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await pause(POLL_MS);
      const cur = await sample();
      for (const [r, s] of pairs) {
        const key = `${r.name}<-${s.name}`;
        if (done.has(key)) continue;
        const a = prev.get(r.id)?.[s.id] ?? NONE;
        const b = cur.get(r.id)?.[s.id] ?? NONE;
        if (b.frames > a.frames && b.audioPackets > a.audioPackets) done.set(key, Date.now());
      }
      if (done.size === pairs.length) return done;
      if (Date.now() > deadline) {
        const missing = pairs.map(([r, s]) => `${r.name}<-${s.name}`).filter((k) => !done.has(k));
        assert.fail(
          `not receiving via ${path}: ${missing.join(', ')}; last ${JSON.stringify(Object.fromEntries(cur))}`,
        );
      }
      prev = cur;
    }
  }

  /** Every page's tiles show new frames from every other person (whatever the path). */
  async allShowFrames(timeoutMs = 60_000): Promise<void> {
    const shown = () =>
      Promise.all(
        this.people.map(async (p) => [p, await p.page.evaluate(() => window.sfuTest.shown())] as const),
      );
    const before = new Map((await shown()).map(([p, s]) => [p.id, s]));
    await until(
      async () =>
        (await shown()).every(([r, s]) =>
          this.people
            .filter((x) => x !== r)
            .every((x) => (s[x.id]?.frames ?? 0) > (before.get(r.id)?.[x.id]?.frames ?? 0)),
        ),
      timeoutMs,
      'every tile shows new frames',
    );
  }

  async assertNoErrors(): Promise<void> {
    for (const p of this.people) {
      const errors = await p.page.evaluate(() => window.sfuTest.errors());
      assert.deepEqual(errors, [], `${p.name}: no engine errors`);
    }
  }

  /** Prints every page's log (on failure). */
  async dump(): Promise<void> {
    for (const page of this.pages) {
      const log = await page.evaluate(() => window.sfuTest?.log() ?? []).catch(() => []);
      console.error(`--- ${page.engine} page log ---\n${log.join('\n')}`);
    }
  }

  async close(): Promise<void> {
    for (const page of this.pages) await page.close().catch(() => {});
    await this.server.close();
    await this.smtp.close();
  }

  private async newPage(engine: BrowserEngine = this.browser): Promise<ParticipantPage> {
    const page = await engine.newPage({ viewport: { width: 700, height: 400 } });
    this.pages.push(page);
    await page.goto(this.server.pageUrl);
    await page.waitForFunction(() => window.sfuTest !== undefined);
    return page;
  }
}

const NONE: Received = { frames: 0, frameWidth: 0, audioPackets: 0, audioEnergy: 0 };

export function api(page: ParticipantPage, method: string, path: string, body?: unknown) {
  return page.evaluate(([m, p, b]) => window.sfuTest.api(m as string, p as string, b), [method, path, body]);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it holds, failing with `what` after `timeoutMs`. Deadlines here only bound how long a broken
 * call takes to fail: they are generous (45-60 s) because a loaded 2-core CI machine once took over 20 s to close
 * the old peer connections after a migration; timings are measured and printed, never asserted.
 */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await pause(POLL_MS);
  }
}

/**
 * The set-up every SFU browser suite shares: one Chromium and one SfuCall (a server with `overrides`) for the
 * enclosing suite, closed after it. `use` receives the call once it is started (before the first test).
 */
function sfuCallPerSuite(
  overrides: Parameters<typeof startFixtureServer>[0],
  use: (call: SfuCall) => void,
): void {
  let browser: Browser | undefined;
  let call: SfuCall | undefined;
  before(async () => {
    browser = await launchChromium();
    call = await SfuCall.start(browser, overrides);
    use(call);
  });
  after(async () => {
    await call?.close();
    await browser?.close();
  });
}

/**
 * A browser SFU test file's one test: in a loopback-only network namespace (namespacedSuite), `name` runs `body`
 * on the suite's SfuCall (a server with `suite.overrides`); on failure every page's log is printed.
 */
export function sfuCallTest(
  file: string,
  suite: { what: string; title: string; overrides: Parameters<typeof startFixtureServer>[0] },
  name: string,
  body: (call: SfuCall, t: TestContext) => Promise<void>,
): void {
  namespacedSuite(file, { what: suite.what, passes: 1 }, suite.title, () => {
    let started: SfuCall | undefined;
    sfuCallPerSuite(suite.overrides, (c) => {
      started = c;
    });
    test(name, async (t) => {
      const call = started;
      assert.ok(call, 'the SFU call is started before the test');
      try {
        await body(call, t);
      } catch (err) {
        await call.dump();
        throw err;
      }
    });
  });
}
