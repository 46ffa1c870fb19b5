// A group call in fixture pages (fixture/app.ts) on any mix of engines, for the tree call tests: the clinician
// opens it, guests come in by emailed invite and are admitted, people leave; the call knows who is still in it
// (participant id -> page, and a name for messages) and waits on what all their pages receive and plan. Also the
// bandwidth profiles those tests report, and the shape of such a test file.
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { GuestRole, Plan } from '@consulta/protocol';
import type { EngineName, ParticipantPage } from '../support/browser-engine.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import type { StartOptions, StreamStat } from './fixture/app.ts';
import {
  createConsultation,
  emailInvite,
  type FixturePageSource,
  FixturePages,
  inLobby,
  openInvite,
  startCall,
} from './fixture-page.ts';
import { type FixtureSuite, fixtureSuite } from './fixture-suite.ts';
import {
  assertNoEngineErrors,
  assertSwitchNegotiations,
  type CallPages,
  settledPlan,
  waitPairs,
} from './stream-pairs.ts';
import { allPairs, type Pair } from './tree-plan.ts';

type Bandwidth = NonNullable<StartOptions['fixedBandwidth']>;

/** Reported bandwidth of a desktop that can feed everyone in a 4-person call. */
export const STRONG_DESKTOP: Bandwidth = { uplinkKbps: 20_000, downlinkKbps: 20_000 };
/** Reported bandwidth of a desktop that can send a single copy at the chosen quality. */
export const WEAK_DESKTOP: Bandwidth = { uplinkKbps: 3_500, downlinkKbps: 20_000 };

export interface Guest {
  role: GuestRole;
  name: string;
  /** The engine the guest's page runs on (default Chromium). */
  on?: EngineName;
  /** Where the guest opens the page (default the suite's): a cluster test places guests on nodes this way. */
  pageUrl?: string;
  bw: Bandwidth;
}

/** What a group call needs of its suite: email, engines, the page, clinician accounts (a FixtureSuite has all). */
export type GroupCallServices = FixturePageSource &
  Pick<FixtureSuite, 'smtp'> & {
    server: { pageUrl: string; createClinician(name: string): Promise<{ email: string; password: string }> };
  };

export class FixtureGroupCall {
  /** Participant id -> page, for everyone still in the call. */
  readonly pages: CallPages = new Map();
  readonly names = new Map<string, string>();
  readonly name = (id: string): string | undefined => this.names.get(id);
  private readonly opened: FixturePages;
  private consultationId = '';
  private clinician: ParticipantPage | undefined;

  constructor(
    private readonly suite: GroupCallServices,
    /** Everyone's engine options besides the consultation and bandwidth (audio only on 2 cores). */
    private readonly options: Omit<StartOptions, 'consultationId' | 'fixedBandwidth'> = {
      iceTransportPolicy: 'all',
      audioOnly: true,
    },
  ) {
    this.opened = new FixturePages(suite);
  }

  /** The consultation's id (once the clinician has opened the call). */
  get consultation(): string {
    return this.consultationId;
  }

  get doc(): ParticipantPage {
    if (!this.clinician) throw new Error('the clinician has not opened the call');
    return this.clinician;
  }

  /** The clinician signs in on `on` (at `pageUrl`), creates the consultation titled `title` and joins; their id. */
  async open(on: EngineName, name: string, title: string, bw: Bandwidth, pageUrl?: string): Promise<string> {
    const account = await this.suite.server.createClinician('Dr. Ada Osei');
    const doc = await this.opened.open(on, pageUrl);
    this.clinician = doc;
    this.consultationId = (await createConsultation(doc, account, title)).id;
    await this.start(doc, bw);
    await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
    const id = (await doc.evaluate(() => window.consultaTest.selfId())) as string;
    this.pages.set(id, doc);
    this.names.set(id, name);
    return id;
  }

  /** The clinician invites `guest` by email; the guest opens the link, starts and waits in the lobby. */
  async invite(guest: Guest): Promise<{ id: string; page: ParticipantPage }> {
    const { token } = await emailInvite(this.doc, this.suite.smtp, this.consultationId, {
      email: `${guest.name}@example.test`,
      displayName: guest.name,
      role: guest.role,
    });
    const page = await this.opened.open(guest.on ?? 'chromium', guest.pageUrl);
    const id = await openInvite(page, token);
    await this.start(page, guest.bw);
    await inLobby(this.doc, page, id);
    return { id, page };
  }

  /** The clinician admits the waiting guest, who is in the call from now on as `name`. */
  async admit(guest: { id: string; page: ParticipantPage }, name: string): Promise<void> {
    this.pages.set(guest.id, guest.page);
    this.names.set(guest.id, name);
    await this.doc.evaluate((pid) => window.consultaTest.admit(pid), guest.id);
  }

  /** `id` leaves the call (the engine's leave); Date.now() as they left. */
  async leave(id: string): Promise<number> {
    const page = this.pages.get(id);
    if (!page) throw new Error(`${id} is not in the call`);
    this.pages.delete(id);
    const at = Date.now();
    await page.evaluate(() => window.consultaTest.leave());
    return at;
  }

  async leaveAll(): Promise<void> {
    for (const id of [...this.pages.keys()]) await this.leave(id);
  }

  /** Every (receiver, sender) pair among the people in the call. */
  pairs(): Pair[] {
    return allPairs([...this.pages.keys()]);
  }

  /** See waitPairs: when `ok` first held for each pair, by pairKey. */
  waitPairs(
    pairs: Pair[],
    ok: (prev: StreamStat, cur: StreamStat) => boolean,
    timeoutMs: number,
  ): Promise<Map<string, number>> {
    return waitPairs(this.pages, pairs, ok, timeoutMs, this.name);
  }

  settledPlan(ok: (p: Plan) => boolean, timeoutMs: number): Promise<Plan> {
    return settledPlan(this.pages, ok, timeoutMs);
  }

  assertNoErrors(): Promise<void> {
    return assertNoEngineErrors(this.pages, this.names);
  }

  /** At most one renegotiation per page since `since` (a switch of path); the counts, for a MEASURE line. */
  assertSwitchNegotiations(since: number): Promise<string> {
    return assertSwitchNegotiations(this.pages, this.names, since);
  }

  /** Every page's engine log (on failure). */
  dump(): Promise<void> {
    return this.opened.dump();
  }

  close(): Promise<void> {
    return this.opened.close();
  }

  private start(page: ParticipantPage, bw: Bandwidth): Promise<void> {
    return startCall(page, { ...this.options, consultationId: this.consultationId, fixedBandwidth: bw });
  }
}

/**
 * A group-call test file's one test: in a loopback-only network namespace (namespacedSuite), on a fixtureSuite
 * (with Firefox, or a Chromium process per page, when asked), `name` runs `body` on a new group call; on failure every page's log is printed, and
 * every page closes at the end.
 */
export function groupCallTest(
  /** The test file's import.meta.url. */
  fileUrl: string,
  suite: { what: string; title: string; firefox?: boolean; chromiumPerPage?: boolean },
  name: string,
  body: (call: FixtureGroupCall, t: TestContext) => Promise<void>,
): void {
  namespacedSuite(fileURLToPath(fileUrl), { what: suite.what, passes: 1 }, suite.title, () => {
    const services = fixtureSuite({ firefox: suite.firefox, chromiumPerPage: suite.chromiumPerPage });
    test(name, async (t) => {
      const call = new FixtureGroupCall(services);
      try {
        await body(call, t);
      } catch (err) {
        await call.dump();
        throw err;
      } finally {
        await call.close();
      }
    });
  });
}
