// A group consultation in real Chromium through the real server, routed over per-sender peer trees: the
// clinician invites three guests (real SMTP), admits them one by one, and everyone reports desktop bandwidth so
// the routing policy picks `tree` (one guest's uplink is too small to feed everyone, so a peer relays it). Then
// the relaying peer leaves (its orphans get new parents) and another leaves (the last two go p2p). Media is
// audio only (2 cores); every (receiver, sender) pair is checked through getStats. Figures print as `MEASURE`.
// Everything runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Consultation, GuestRole, OpenInviteReply, Plan } from '@consulta/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { startSmtpCapture } from '../support/smtp.ts';
import type { StreamStat } from './fixture/app.ts';
import { type FixtureServer, startFixtureServer } from './fixture-server.ts';

const thisFile = fileURLToPath(import.meta.url);

/** Strong desktops can feed everyone; the weak one can send a single copy at the chosen quality. */
const STRONG = { uplinkKbps: 20_000, downlinkKbps: 20_000 };
const WEAK = { uplinkKbps: 3_500, downlinkKbps: 20_000 };
const POLL_MS = 50;

namespacedSuite(
  thisFile,
  { what: 'group browser call over peer trees', passes: 1 },
  '4-person call between Chromium pages over peer trees',
  () => {
    let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
    let server: FixtureServer;
    let browser: Browser;

    before(async () => {
      smtp = await startSmtpCapture();
      server = await startFixtureServer({ email: { smtpUrl: smtp.url } });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await smtp?.close();
    });

    test('tree plan, all 12 pairs receive, orphans re-parented, down to two goes p2p', async (t) => {
      const contexts: BrowserContext[] = [];
      /** participant id -> page, for everyone still in the call. */
      const pages = new Map<string, Page>();
      const names = new Map<string, string>();
      const openPage = async (): Promise<Page> => {
        const context = await browser.newContext({ viewport: { width: 680, height: 360 } });
        contexts.push(context);
        const page = await context.newPage();
        page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
        await page.goto(server.pageUrl);
        await page.waitForFunction(() => window.consultaTest !== undefined);
        return page;
      };
      const api = (page: Page, method: string, p: string, body?: unknown) =>
        page.evaluate(
          ([m, pp, b]) => window.consultaTest.api(m as string, pp as string, b),
          [method, p, body],
        );
      const start = (page: Page, consultationId: string, bw: typeof STRONG) =>
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
      const measures: string[] = [];
      const measure = (line: string) => {
        measures.push(line);
        console.log(`MEASURE ${line}`);
        t.diagnostic(line);
      };
      const t0 = Date.now();

      try {
        const account = await server.createClinician('Dr. Ada Osei');
        const doc = await openPage();
        assert.equal((await api(doc, 'POST', '/api/auth/sign-in', account)).status, 200);
        const created = await api(doc, 'POST', '/api/consultations', { title: 'Group call (tree)' });
        assert.equal(created.status, 201);
        const consult = created.body as Consultation;
        await start(doc, consult.id, STRONG);
        await doc.waitForFunction(() => window.consultaTest.state() === 'joined');
        const docId = (await doc.evaluate(() => window.consultaTest.selfId()))!;
        pages.set(docId, doc);
        names.set(docId, 'clinician');

        const guests: Array<{ role: GuestRole; name: string; bw: typeof STRONG }> = [
          { role: 'PATIENT', name: 'patient', bw: STRONG },
          { role: 'FAMILY', name: 'family', bw: STRONG },
          { role: 'INTERPRETER', name: 'interpreter', bw: WEAK },
        ];
        for (const guest of guests) {
          const invited = await api(doc, 'POST', `/api/consultations/${consult.id}/invites`, {
            email: `${guest.name}@example.test`,
            displayName: guest.name,
            role: guest.role,
          });
          assert.equal(invited.status, 201, JSON.stringify(invited.body));
          const mail = await smtp.nextMessage();
          const token = /\/join#([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
          assert.ok(token, `no invite link in: ${mail.text}`);
          const page = await openPage();
          const opened = await api(page, 'POST', '/api/invites/open', { token });
          assert.equal(opened.status, 200);
          const id = (opened.body as OpenInviteReply).guest.participantId;
          await start(page, consult.id, guest.bw);
          await page.waitForFunction(() => window.consultaTest.state() === 'waiting');
          await doc.waitForFunction((pid) => window.consultaTest.lobbyIds().includes(pid), id);

          // BBVoice Table 1: how long until the newcomer hears everyone, and everyone hears the newcomer.
          const existing = [...pages.keys()];
          pages.set(id, page);
          names.set(id, guest.name);
          const admittedAt = Date.now();
          await doc.evaluate((pid) => window.consultaTest.admit(pid), id);
          const firsts = await waitPairs(
            pages,
            [...existing.map((s) => [id, s] as Pair), ...existing.map((r) => [r, id] as Pair)],
            (_prev, cur) => cur.packets > 0,
            20_000,
          );
          const hearsAll = Math.max(...existing.map((s) => firsts.get(key([id, s]))!)) - admittedAt;
          const heardByAll = Math.max(...existing.map((r) => firsts.get(key([r, id]))!)) - admittedAt;
          const topology = (await page.evaluate(() => window.consultaTest.plan()))?.topology;
          measure(
            `join #${pages.size} (${guest.name}, plan ${topology}): admit -> newcomer receives all ` +
              `${existing.length} streams ${hearsAll} ms; all existing peers receive the newcomer ${heardByAll} ms`,
          );
        }

        // Everyone reported: the policy settles on a tree, every page holds the same plan.
        const plan = await settledPlan(pages, (p) => p.topology === 'tree' && fullyKnown(p));
        assert.equal(plan.topology, 'tree');
        const ids = [...pages.keys()];
        const all = ids.flatMap((r) => ids.filter((s) => s !== r).map((s) => [r, s] as Pair));
        assert.equal(all.length, 12);
        const flowingAt = await waitPairs(pages, all, rising, 20_000);
        assert.equal(flowingAt.size, 12, 'all 12 (receiver, sender) pairs receive audio');
        const tree = describeTree(plan, names);
        t.diagnostic(`tree: ${tree}`);
        console.log(`tree plan v${plan.version}: ${tree}`);

        // The relaying peer leaves: the receivers below it get new parents in the next plan.
        const relayEdge = plan.edges.find((e) => e.parent !== e.streamId);
        assert.ok(relayEdge, `some peer relays another's stream: ${tree}`);
        const relay = relayEdge.parent;
        const orphans = orphanedPairs(plan, relay);
        assert.ok(orphans.length > 0);
        await assertNoErrors(pages, names);
        const relayPage = pages.get(relay)!;
        pages.delete(relay);
        const leftAt = Date.now();
        await relayPage.evaluate(() => window.consultaTest.leave());
        const next = await settledPlan(
          pages,
          (p) => p.version > plan.version && !p.edges.some((e) => e.parent === relay || e.child === relay),
        );
        const planAt = Date.now();
        assert.equal(next.topology, 'tree', '3 people stay in a tree');
        for (const [recv, sender] of orphans) {
          const e = next.edges.find((x) => x.streamId === sender && x.child === recv);
          assert.ok(
            e && e.parent !== relay,
            `${names.get(recv)} gets ${names.get(sender)} from a new parent`,
          );
        }
        const remaining = [...pages.keys()];
        const pairs3 = remaining.flatMap((r) => remaining.filter((s) => s !== r).map((s) => [r, s] as Pair));
        const resumed = await waitPairs(
          pages,
          pairs3,
          (prev, cur) => rising(prev, cur) && !cur.via.includes(relay) && !prev.via.includes(relay),
          15_000,
        );
        const orphanGaps = orphans.map(
          (p) => `${names.get(p[0])}<-${names.get(p[1])} ${resumed.get(key(p))! - leftAt} ms`,
        );
        measure(
          `relay ${names.get(relay)} left: new plan after ${planAt - leftAt} ms (${describeTree(next, names)}); ` +
            `orphan gap (leave -> packets again) ${Math.max(...orphans.map((p) => resumed.get(key(p))!)) - leftAt} ms ` +
            `[${orphanGaps.join(', ')}]`,
        );

        // One more leaves (not the weak sender): the last two switch to p2p and keep hearing each other.
        const second = remaining.find((id) => names.get(id) !== 'interpreter')!;
        await assertNoErrors(pages, names);
        const secondPage = pages.get(second)!;
        pages.delete(second);
        const left2At = Date.now();
        await secondPage.evaluate(() => window.consultaTest.leave());
        const p2p = await settledPlan(pages, (p) => p.topology === 'p2p');
        const p2pAt = Date.now();
        const last = [...pages.keys()];
        const pairs2: Pair[] = [
          [last[0]!, last[1]!],
          [last[1]!, last[0]!],
        ];
        const meshAt = await waitPairs(
          pages,
          pairs2,
          (prev, cur) => rising(prev, cur) && cur.roles.includes('mesh') && prev.roles.includes('mesh'),
          15_000,
        );
        // Make before break: the tree links close once the mesh link is up; only the mesh delivers then.
        await waitPairs(
          pages,
          pairs2,
          (prev, cur) => rising(prev, cur) && cur.roles.every((r) => r === 'mesh'),
          15_000,
        );
        measure(
          `${names.get(second)} left, 2 remain: p2p plan v${p2p.version} after ${p2pAt - left2At} ms; ` +
            `leave -> packets over the p2p link ${Math.max(...pairs2.map((p) => meshAt.get(key(p))!)) - left2At} ms`,
        );

        await assertNoErrors(pages, names);
        for (const page of pages.values()) await page.evaluate(() => window.consultaTest.leave());
        measure(`total test time ${Date.now() - t0} ms`);
      } catch (err) {
        for (const [i, c] of contexts.entries()) {
          const page = c.pages()[0];
          const log = await page?.evaluate(() => window.consultaTest?.log() ?? []).catch(() => []);
          const debug = await page?.evaluate(() => window.consultaTest?.debug() ?? []).catch(() => []);
          console.error(`--- page ${i} log ---\n${(log ?? []).join('\n')}\n${(debug ?? []).join('\n')}`);
        }
        throw err;
      } finally {
        for (const c of contexts) await c.close();
      }
    });
  },
);

async function assertNoErrors(pages: Map<string, Page>, names: Map<string, string>): Promise<void> {
  for (const [id, page] of pages) {
    const errors = await page.evaluate(() => window.consultaTest.errors());
    const log = await page.evaluate(() => window.consultaTest.log());
    assert.deepEqual(errors, [], `${names.get(id)}: no engine errors; page log:\n${log.join('\n')}`);
  }
}

/** (receiver, sender) participant ids. */
type Pair = [receiver: string, sender: string];
const key = ([r, s]: Pair) => `${r}<-${s}`;
const NONE: StreamStat = { packets: 0, energy: 0, roles: [], via: [] };

const rising = (prev: StreamStat, cur: StreamStat) => cur.packets > prev.packets && cur.via.length > 0;

const fullyKnown = (p: Plan) => !p.reasons.some((r) => r.code === 'bandwidth-unknown');

async function sampleAll(pages: Map<string, Page>): Promise<Map<string, Record<string, StreamStat>>> {
  const entries = await Promise.all(
    [...pages].map(
      async ([id, page]) => [id, await page.evaluate(() => window.consultaTest.streamStats())] as const,
    ),
  );
  return new Map(entries);
}

/**
 * Polls every page's per-sender stats until `ok(previous, current)` has held once for each pair; returns when
 * (Date.now() after the sample) it first held, per pair.
 */
async function waitPairs(
  pages: Map<string, Page>,
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
    const at = Date.now();
    for (const pair of pairs) {
      if (done.has(key(pair))) continue;
      const p = prev.get(pair[0])?.[pair[1]] ?? NONE;
      const c = cur.get(pair[0])?.[pair[1]] ?? NONE;
      if (ok(p, c)) done.set(key(pair), at);
    }
    if (done.size === pairs.length) return done;
    if (Date.now() > deadline) {
      const missing = pairs.filter((p) => !done.has(key(p))).map(key);
      assert.fail(
        `pairs not receiving in time: ${missing.join(', ')}; last stats ${JSON.stringify(Object.fromEntries(cur))}`,
      );
    }
    prev = cur;
  }
}

/** Waits until every page holds the same plan and it satisfies `ok`. */
async function settledPlan(
  pages: Map<string, Page>,
  ok: (p: Plan) => boolean,
  timeoutMs = 15_000,
): Promise<Plan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const plans = await Promise.all(
      [...pages.values()].map((p) => p.evaluate(() => window.consultaTest.plan())),
    );
    const first = plans[0];
    if (first && plans.every((p) => p?.version === first.version) && ok(first)) return first;
    if (Date.now() > deadline)
      assert.fail(`no settled plan in time: ${JSON.stringify(plans.map((p) => [p?.version, p?.topology]))}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The (receiver, sender) pairs whose path from the sender runs through `relay` (the relay's own stream aside). */
function orphanedPairs(plan: Plan, relay: string): Pair[] {
  const out: Pair[] = [];
  for (const sender of new Set(plan.edges.map((e) => e.streamId))) {
    if (sender === relay) continue;
    const below = (node: string): string[] =>
      plan.edges
        .filter((e) => e.streamId === sender && e.parent === node)
        .flatMap((e) => [e.child, ...below(e.child)]);
    for (const r of below(relay)) out.push([r, sender]);
  }
  return out;
}

function describeTree(plan: Plan, names: Map<string, string>): string {
  const n = (id: string) => names.get(id) ?? id.slice(0, 6);
  return plan.edges.map((e) => `${n(e.streamId)}:${n(e.parent)}>${n(e.child)}`).join(' ');
}
