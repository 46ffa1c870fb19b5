// Waiting on a group call in fixture pages (fixture/app.ts): every page's per-sender audio stats sampled together,
// until a condition held for each (receiver, sender) pair asked about, and every page's plan until they agree.
import assert from 'node:assert/strict';
import type { Plan } from '@consulta/protocol';
import type { ParticipantPage } from '../support/browser-engine.ts';
import { assertAtMostOneRenegotiation } from '../support/renegotiations.ts';
import type { StreamStat } from './fixture/app.ts';
import { type Pair, pairKey } from './tree-plan.ts';

/** Participant id -> page, for everyone still in the call. */
export type CallPages = Map<string, ParticipantPage>;

const POLL_MS = 50;
const NONE: StreamStat = { packets: 0, energy: 0, roles: [], via: [] };

async function sampleAll(pages: CallPages): Promise<Map<string, Record<string, StreamStat>>> {
  const entries = await Promise.all(
    [...pages].map(
      async ([id, page]) => [id, await page.evaluate(() => window.consultaTest.streamStats())] as const,
    ),
  );
  return new Map(entries);
}

/**
 * Polls every page's per-sender stats until `ok(previous, current)` has held once for each pair; returns when
 * (Date.now() after the sample) it first held, per pair. `name` makes the failure message readable.
 */
export async function waitPairs(
  pages: CallPages,
  pairs: Pair[],
  ok: (prev: StreamStat, cur: StreamStat) => boolean,
  timeoutMs: number,
  name: (id: string) => string | undefined = () => undefined,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, number>();
  let prev = await sampleAll(pages);
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const cur = await sampleAll(pages);
    const at = Date.now();
    for (const pair of pairs) {
      if (done.has(pairKey(pair))) continue;
      if (ok(prev.get(pair[0])?.[pair[1]] ?? NONE, cur.get(pair[0])?.[pair[1]] ?? NONE))
        done.set(pairKey(pair), at);
    }
    if (done.size === pairs.length) return done;
    if (Date.now() > deadline) {
      const missing = pairs
        .filter((p) => !done.has(pairKey(p)))
        .map(([r, s]) => `${name(r) ?? r}<-${name(s) ?? s}`);
      assert.fail(
        `pairs not receiving in time: ${missing.join(', ')}; last stats ${JSON.stringify(Object.fromEntries(cur))}`,
      );
    }
    prev = cur;
  }
}

/** Waits until every page holds the same plan and it satisfies `ok`. */
export async function settledPlan(
  pages: CallPages,
  ok: (p: Plan) => boolean,
  timeoutMs: number,
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

export async function assertNoEngineErrors(pages: CallPages, names: Map<string, string>): Promise<void> {
  for (const [id, page] of pages) {
    const errors = await page.evaluate(() => window.consultaTest.errors());
    const log = await page.evaluate(() => window.consultaTest.log());
    assert.deepEqual(errors, [], `${names.get(id)}: no engine errors; page log:\n${log.join('\n')}`);
  }
}

/**
 * A switch of path that began at `since` (epoch ms) costs each page at most one renegotiation
 * (assertAtMostOneRenegotiation). Returns `renegotiations <name> <renegotiations> of <exchanges>, …`.
 */
export async function assertSwitchNegotiations(
  pages: CallPages,
  names: Map<string, string>,
  since: number,
): Promise<string> {
  const counts: string[] = [];
  for (const [id, page] of pages) {
    const exchanges = await page.evaluate((s) => window.consultaTest.negotiationsSince(s), since);
    counts.push(assertAtMostOneRenegotiation(names.get(id) ?? id, exchanges));
  }
  return `renegotiations ${counts.join(', ')}`;
}
