// The p2p -> SFU -> p2p migration, written once for any mix of engines (tests/browser/sfu-migration.test.ts in
// Chromium, tests/firefox/migration-mixed.test.ts with Firefox participants): two people on p2p, a third joins
// (treeMaxParticipants 2 puts three on the SFU), everyone keeps decoding and the peer connections close once the
// SFU delivers; the third leaves, the two go back to p2p and their SFU transports close on the server. Each tile
// keeps its one MediaStream throughout. The longest gap between frames a tile showed is reported through
// `measure`; only that media resumes is asserted.
import assert from 'node:assert/strict';
import type { BrowserEngine } from '../support/browser-engine.ts';
import type { MediasoupWatch } from '../support/mediasoup-watch.ts';
import { assertAtMostOneRenegotiation } from '../support/renegotiations.ts';
import { assertStandbyActivated, assertStandbyWhileWaiting } from './sfu-standby.ts';
import type { Person, SfuCall } from './sfu-support.ts';
import { until } from './sfu-support.ts';

/** Which engine each of the three opens their page in (the call's own browser when absent). */
export interface MigrationEngines {
  doctor?: BrowserEngine;
  patient?: BrowserEngine;
  family?: BrowserEngine;
}

/**
 * The longest frame gap each pair among `people` saw since `since` (until `until`), as "receiver<-sender ms".
 */
export async function gaps(
  people: Person[],
  since: number,
  until?: number,
): Promise<{ max: number; text: string }> {
  const parts: string[] = [];
  let max = 0;
  for (const r of people) {
    const g = await r.page.evaluate(([s, u]) => window.sfuTest.longestGap(s!, u ?? undefined), [
      since,
      until ?? null,
    ] as const);
    for (const s of people.filter((x) => x !== r)) {
      max = Math.max(max, g[s.id] ?? 0);
      parts.push(`${r.name}<-${s.name} ${g[s.id]} ms`);
    }
  }
  return { max, text: parts.join(', ') };
}

/** How long the call runs steady before a switch, so the gap it costs can be told from the one it always has. */
const STEADY_MS = 3000;

/**
 * The floor a switch's gap is compared with: the longest frame gap among `people` over STEADY_MS of the call as
 * it is (a measurement window, not a wait for something: at 15 fps on a busy machine frames are not evenly
 * spaced either). Returns `steady N ms` for the MEASURE line.
 */
export async function steadyGap(people: Person[]): Promise<string> {
  const from = Date.now();
  await new Promise((r) => setTimeout(r, STEADY_MS));
  return `steady ${(await gaps(people, from, Date.now())).max} ms`;
}

/** Where a switch starts: the time, and how many SFU sessions each person had started by then. */
export interface SwitchMark {
  at: number;
  sfuStarts: number[];
}

const sfuStarts = (p: Person) =>
  p.page.evaluate(() => window.sfuTest.sfuStates().filter((s) => s.startsWith('starting:')).length);

export async function markSwitch(people: Person[]): Promise<SwitchMark> {
  return { at: Date.now(), sfuStarts: await Promise.all(people.map(sfuStarts)) };
}

/**
 * A switch costs each person at most one renegotiation (assertAtMostOneRenegotiation) and at most one new SFU
 * session. Returns `renegotiations <name> <renegotiations> of <exchanges>, …; SFU sessions …` for a MEASURE line.
 */
export async function assertSwitchNegotiations(people: Person[], mark: SwitchMark): Promise<string> {
  const renegotiated: string[] = [];
  const sessions: string[] = [];
  for (const [i, p] of people.entries()) {
    const exchanges = await p.page.evaluate((since) => window.sfuTest.negotiationsSince(since), mark.at);
    renegotiated.push(assertAtMostOneRenegotiation(p.name, exchanges));
    const started = (await sfuStarts(p)) - mark.sfuStarts[i]!;
    sessions.push(`${p.name} ${started}`);
    assert.ok(started <= 1, `${p.name} started ${started} SFU sessions in one switch`);
  }
  return `renegotiations ${renegotiated.join(', ')}; SFU sessions ${sessions.join(', ')}`;
}

/**
 * When each pair among `people` first received through the SFU (from `allReceive`, polled), after `since`:
 * `they all receive via the SFU N ms after the admission` (the latest pair), for a MEASURE line.
 */
export function sfuReachedText(reached: Map<string, number>, people: Person[], since: number): string {
  let latest = 0;
  for (const r of people)
    for (const s of people.filter((x) => x !== r))
      latest = Math.max(latest, (reached.get(`${r.name}<-${s.name}`) ?? since) - since);
  return `they all receive via the SFU ${latest} ms after the admission`;
}

export async function assertOneStreamPerTile(people: Person[]) {
  for (const r of people) {
    const shown = await r.page.evaluate(() => window.sfuTest.shown());
    for (const s of people.filter((x) => x !== r)) {
      assert.equal(shown[s.id]?.streams, 1, `${r.name}'s tile of ${s.name} kept its MediaStream`);
    }
  }
}

export const peersClosed = async (call: SfuCall) => {
  const peers = await Promise.all(call.people.map((p) => p.page.evaluate(() => window.sfuTest.viaPeers())));
  return peers.every((v) => Object.keys(v).length === 0);
};

/**
 * The scenario. `watch` must exist before the call's server starts (it learns of workers as they are created), or
 * the check that the server closed its SFU transports would see none and pass without looking.
 */
export async function migrateThereAndBack(
  call: SfuCall,
  watch: MediasoupWatch,
  engines: MigrationEngines,
  measure: (line: string) => void,
): Promise<void> {
  assert.ok(watch.workers.length > 0, 'the watch saw the server start its mediasoup workers');
  try {
    const doctor = await call.open(undefined, engines.doctor);
    const patient = await call.admitGuest('patient', 'PATIENT', engines.patient);
    const pair = [doctor, patient];
    await call.settledOn('p2p');
    await call.allReceive('peers');
    await call.allShowFrames();

    // A third person: the room moves to the SFU. The p2p pair keeps decoding throughout.
    const beforeUp = await steadyGap(pair);
    const joinAt = Date.now();
    const upMark = await markSwitch(pair);
    // While the third waits, the pair's SFU path is built ahead (warm standby) and carries nothing.
    let standby: Awaited<ReturnType<typeof assertStandbyWhileWaiting>> | null = null;
    let admittedAt = 0;
    const family = await call.admitGuest('family', 'FAMILY', engines.family, async () => {
      standby = await assertStandbyWhileWaiting(pair);
      admittedAt = Date.now();
    });
    await call.settledOn('sfu');
    const viaSfu = await call.allReceive('sfu');
    measure(`p2p->sfu: ${sfuReachedText(viaSfu, pair, admittedAt)}; ${standby!.text}`);
    await assertStandbyActivated(pair, standby!.epochs);
    // Make before break: the peer connections close once the SFU feeds every tile.
    await until(() => peersClosed(call), 60_000, 'peer connections closed after the move to the SFU');
    await call.allShowFrames();
    const up = await gaps(pair, joinAt);
    measure(`p2p->sfu: longest frame gap ${up.max} ms [${up.text}]; ${beforeUp}`);
    measure(`p2p->sfu: ${await assertSwitchNegotiations(pair, upMark)}`);
    await assertOneStreamPerTile(pair);
    await call.assertNoErrors();

    // The third leaves: back to p2p; peer connections first, then the SFU session closes.
    const beforeDown = await steadyGap(pair);
    const leaveAt = Date.now();
    const downMark = await markSwitch(pair);
    await call.leave(family);
    await call.settledOn('p2p');
    await call.allReceive('peers');
    await until(
      async () => {
        const sfu = await Promise.all(pair.map((p) => p.page.evaluate(() => window.sfuTest.viaSfu())));
        return sfu.every((v) => Object.keys(v).length === 0);
      },
      60_000,
      'the SFU sessions closed after the move to p2p',
    );
    await until(
      () => watch.liveTransports('webrtc').length === 0,
      30_000,
      'the server closed every SFU transport',
    );
    await call.allShowFrames();
    const down = await gaps(pair, leaveAt);
    measure(`sfu->p2p: longest frame gap ${down.max} ms [${down.text}]; ${beforeDown}`);
    measure(`sfu->p2p: ${await assertSwitchNegotiations(pair, downMark)}`);
    await assertOneStreamPerTile(pair);
    await call.assertNoErrors();
  } catch (err) {
    await call.dump();
    throw err;
  }
}
