// A 4-person consultation over per-sender peer trees with two Firefox guests among Chromium pages: the clinician
// (Chromium) invites a patient (Firefox), a relative (Firefox, the largest uplink, so the planner makes it the
// relay) and an interpreter (Chromium, an uplink that can feed only one copy, so its stream must be relayed).
// Every (receiver, sender) pair must receive audio that is not silence; the interpreter's stream must reach the
// Firefox patient through the Firefox relative (a Firefox relay feeding a Firefox leaf). Then the relay leaves:
// its orphans get new parents and everyone left hears everyone again. Audio only (4 browsers on 2 cores).
// Runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Consultation, GuestRole, OpenInviteReply, Plan } from '@consulta/protocol';
import type { StreamStat } from '../browser/fixture/app.ts';
import { type FixtureServer, startFixtureServer } from '../browser/fixture-server.ts';
import {
  type BrowserEngine,
  type EngineName,
  launchEngines,
  type ParticipantPage,
} from '../support/browser-engine.ts';
import { assertNamespacedRunPasses, inLoopbackNamespace } from '../support/chromium.ts';
import { startSmtpCapture } from '../support/smtp.ts';

const thisFile = fileURLToPath(import.meta.url);

const STRONG = { uplinkKbps: 20_000, downlinkKbps: 20_000 };
/** The most spare uplink: the planner's first choice of parent when a stream needs a relay. */
const STRONGEST = { uplinkKbps: 40_000, downlinkKbps: 20_000 };
/** Enough to send a single copy at the chosen quality. */
const WEAK = { uplinkKbps: 3_500, downlinkKbps: 20_000 };
const POLL_MS = 50;

if (!inLoopbackNamespace()) {
  test('mixed Chromium/Firefox call over peer trees, inside a loopback-only network namespace', async () => {
    await assertNamespacedRunPasses(thisFile, 1);
  });
} else {
  describe('4-person tree call: Chromium and Firefox pages, a Firefox relay and a Firefox leaf', () => {
    let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
    let server: FixtureServer;
    let browsers: Awaited<ReturnType<typeof launchEngines>>;

    before(async () => {
      smtp = await startSmtpCapture();
      server = await startFixtureServer({ email: { smtpUrl: smtp.url } });
      browsers = await launchEngines(['chromium', 'firefox']);
    });
    after(async () => {
      await browsers?.close();
      await server?.close();
      await smtp?.close();
    });

    test('tree plan, all 12 pairs hear each other, Firefox relays to Firefox, relay leaves', async (t) => {
      const engine = (name: EngineName) => browsers.engines.get(name) as BrowserEngine;
      const pages = new Map<string, ParticipantPage>();
      const names = new Map<string, string>();
      const opened: ParticipantPage[] = [];
      const openPage = async (on: EngineName): Promise<ParticipantPage> => {
        const page = await engine(on).newPage();
        opened.push(page);
        await page.goto(server.pageUrl);
        await page.waitForFunction(() => window.consultaTest !== undefined);
        return page;
      };
      const api = (page: ParticipantPage, method: string, p: string, body?: unknown) =>
        page.evaluate(
          ([m, pp, b]) => window.consultaTest.api(m as string, pp as string, b),
          [method, p, body],
        );
      const start = (page: ParticipantPage, consultationId: string, bw: typeof STRONG) =>
        page.evaluate(
          ([id, fixedBandwidth]) =>
            window.consultaTest.start({
              consultationId: id as string,
              iceTransportPolicy: 'all',
              audioOnly: true,
              fixedBandwidth: fixedBandwidth as { uplinkKbps: number; downlinkKbps: number },
            }),
          [consultationId, bw] as const,
        );
      const t0 = Date.now();
      try {
        const account = await server.createClinician('Dr. Ada Osei');
        const doc = await openPage('chromium');
        assert.equal((await api(doc, 'POST', '/api/auth/sign-in', account)).status, 200);
        const created = await api(doc, 'POST', '/api/consultations', { title: 'Mixed group call (tree)' });
        assert.equal(created.status, 201);
        const consult = created.body as Consultation;
        await start(doc, consult.id, STRONG);
        await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
        const docId = (await doc.evaluate(() => window.consultaTest.selfId())) as string;
        pages.set(docId, doc);
        names.set(docId, 'clinician/chromium');

        const guests: Array<{ role: GuestRole; name: string; on: EngineName; bw: typeof STRONG }> = [
          { role: 'PATIENT', name: 'patient', on: 'firefox', bw: STRONG },
          { role: 'FAMILY', name: 'family', on: 'firefox', bw: STRONGEST },
          { role: 'INTERPRETER', name: 'interpreter', on: 'chromium', bw: WEAK },
        ];
        for (const guest of guests) {
          const invited = await api(doc, 'POST', `/api/consultations/${consult.id}/invites`, {
            email: `${guest.name}@example.test`,
            displayName: guest.name,
            role: guest.role,
          });
          assert.equal(invited.status, 201, JSON.stringify(invited.body));
          const token = /\/join#([A-Za-z0-9_-]+)/.exec((await smtp.nextMessage()).text ?? '')?.[1];
          assert.ok(token);
          const page = await openPage(guest.on);
          const open = await api(page, 'POST', '/api/invites/open', { token });
          assert.equal(open.status, 200);
          const id = (open.body as OpenInviteReply).guest.participantId;
          await start(page, consult.id, guest.bw);
          await page.waitForFunction(() => window.consultaTest.state() === 'waiting');
          await doc.waitForFunction((pid) => window.consultaTest.lobbyIds().includes(pid), id);
          pages.set(id, page);
          names.set(id, `${guest.name}/${guest.on}`);
          await doc.evaluate((pid) => window.consultaTest.admit(pid), id);
          await page.waitForFunction(() => window.consultaTest.state() === 'joined');
        }

        const plan = await settledPlan(pages, (p) => p.topology === 'tree' && fullyKnown(p));
        t.diagnostic(`tree plan v${plan.version}: ${describeTree(plan, names)}`);
        const ids = [...pages.keys()];
        const all = ids.flatMap((r) => ids.filter((s) => s !== r).map((s) => [r, s] as Pair));
        await waitPairs(pages, names, all, hears, 30_000);
        t.diagnostic(`all 12 pairs hear each other ${Date.now() - t0} ms after the start`);

        // The interpreter's single copy goes to the Firefox relative, who relays it to the Firefox patient.
        const byName = (n: string) => [...names].find(([, v]) => v.startsWith(`${n}/`))![0];
        const [family, patient, interpreter] = [byName('family'), byName('patient'), byName('interpreter')];
        const relayed = plan.edges.find((e) => e.streamId === interpreter && e.child === patient);
        assert.equal(
          relayed?.parent,
          family,
          `the patient gets the interpreter via the relative: ${describeTree(plan, names)}`,
        );
        const viaFamily = (await pages.get(patient)!.evaluate(() => window.consultaTest.streamStats()))[
          interpreter
        ];
        assert.ok(viaFamily?.via.includes(family), `the patient's copy comes over the link to the relative`);
        await assertNoErrors(pages, names);

        // The Firefox relay leaves: its orphans are re-parented, everyone left hears everyone.
        const orphans = plan.edges.filter((e) => e.parent === family && e.streamId !== family);
        assert.ok(orphans.length > 0);
        const relayPage = pages.get(family)!;
        pages.delete(family);
        const leftAt = Date.now();
        await relayPage.evaluate(() => window.consultaTest.leave());
        const next = await settledPlan(
          pages,
          (p) => p.version > plan.version && !p.edges.some((e) => e.parent === family || e.child === family),
        );
        const left = [...pages.keys()];
        const pairs3 = left.flatMap((r) => left.filter((s) => s !== r).map((s) => [r, s] as Pair));
        const again = await waitPairs(
          pages,
          names,
          pairs3,
          (prev, cur) => hears(prev, cur) && !cur.via.includes(family) && !prev.via.includes(family),
          20_000,
        );
        t.diagnostic(
          `relay left: plan v${next.version} (${describeTree(next, names)}); orphans hear again after ` +
            `${Math.max(...orphans.map((e) => again.get(key([e.child, e.streamId])) ?? 0)) - leftAt} ms`,
        );
        await assertNoErrors(pages, names);
        for (const page of pages.values()) await page.evaluate(() => window.consultaTest.leave());
        t.diagnostic(`total test time ${Date.now() - t0} ms`);
      } catch (err) {
        for (const page of opened) {
          const log = await page.evaluate(() => window.consultaTest?.log() ?? []).catch(() => []);
          const debug = await page.evaluate(() => window.consultaTest?.debug() ?? []).catch(() => []);
          console.error(`--- ${page.engine} page log ---\n${log.join('\n')}\n${debug.join('\n')}`);
        }
        throw err;
      } finally {
        for (const page of opened) await page.close().catch(() => {});
      }
    });
  });
}

type Pair = [receiver: string, sender: string];
const key = ([r, s]: Pair) => `${r}<-${s}`;
const NONE: StreamStat = { packets: 0, energy: 0, roles: [], via: [] };
const fullyKnown = (p: Plan) => !p.reasons.some((r) => r.code === 'bandwidth-unknown');

/** Packets arrive and the decoded audio is not silence (relays forward real audio, not just packets). */
const hears = (prev: StreamStat, cur: StreamStat) =>
  cur.packets > prev.packets && cur.energy > prev.energy && cur.via.length > 0;

async function assertNoErrors(
  pages: Map<string, ParticipantPage>,
  names: Map<string, string>,
): Promise<void> {
  for (const [id, page] of pages) {
    const errors = await page.evaluate(() => window.consultaTest.errors());
    const log = await page.evaluate(() => window.consultaTest.log());
    assert.deepEqual(errors, [], `${names.get(id)}: no engine errors; page log:\n${log.join('\n')}`);
  }
}

async function sampleAll(pages: Map<string, ParticipantPage>) {
  const entries = await Promise.all(
    [...pages].map(
      async ([id, page]) => [id, await page.evaluate(() => window.consultaTest.streamStats())] as const,
    ),
  );
  return new Map(entries);
}

/** Polls every page's per-sender stats until `ok(previous, current)` held once for each pair; when it did, per pair. */
async function waitPairs(
  pages: Map<string, ParticipantPage>,
  names: Map<string, string>,
  pairs: Pair[],
  ok: (prev: StreamStat, cur: StreamStat) => boolean,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, number>();
  let prev = await sampleAll(pages);
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const cur = await sampleAll(pages);
    for (const pair of pairs) {
      if (done.has(key(pair))) continue;
      if (ok(prev.get(pair[0])?.[pair[1]] ?? NONE, cur.get(pair[0])?.[pair[1]] ?? NONE))
        done.set(key(pair), Date.now());
    }
    if (done.size === pairs.length) return done;
    if (Date.now() > deadline) {
      const missing = pairs
        .filter((p) => !done.has(key(p)))
        .map(([r, s]) => `${names.get(r)}<-${names.get(s)}`);
      assert.fail(
        `pairs not hearing in time: ${missing.join(', ')}; last ${JSON.stringify(Object.fromEntries(cur))}`,
      );
    }
    prev = cur;
  }
}

async function settledPlan(
  pages: Map<string, ParticipantPage>,
  ok: (p: Plan) => boolean,
  timeoutMs = 20_000,
): Promise<Plan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const plans = await Promise.all(
      [...pages.values()].map((p) => p.evaluate(() => window.consultaTest.plan())),
    );
    const first = plans[0];
    if (first && plans.every((p) => p?.version === first.version) && ok(first)) return first;
    if (Date.now() > deadline) {
      assert.fail(`no settled plan in time: ${JSON.stringify(plans.map((p) => [p?.version, p?.topology]))}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function describeTree(plan: Plan, names: Map<string, string>): string {
  const n = (id: string) => names.get(id)?.split('/')[0] ?? id.slice(0, 6);
  return plan.edges.map((e) => `${n(e.streamId)}:${n(e.parent)}>${n(e.child)}`).join(' ');
}
