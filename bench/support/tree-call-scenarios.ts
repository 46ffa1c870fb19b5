// The browser half of bench/tree-call.bench.ts (part `joins`) and of bench/switch.bench.ts (part `gaps`), run
// inside a loopback-only network namespace (runInLoopbackNamespace): real Chromium pages, the real server, audio
// only with the fake microphone. Prints one `TREE-BENCH <json>` line per measurement (see ScenarioLine); the
// benches turn them into tables. Without a part, the gap runs go first (short and fixed in number); Table 1
// sessions then fill the time budget.
//
// 1. BBVoice Table 1: rooms grow one admitted guest at a time; for each join, when the newcomer first receives
//    a packet of every existing stream, and when every existing peer first receives the newcomer's.
// 2. Media gaps: the longest silence a receiver hears from a sender across a topology change (p2p -> tree when
//    the third joins, an orphan reparent when a relaying peer leaves, tree -> p2p when two remain, and in a room
//    of its own an orphan reparent when a relay's tab crashes).
import os from 'node:os';
import type { Plan } from '@consulta/protocol';
import type { LinkEvent } from '../../tests/browser/fixture/app.ts';
import type { ArrivalRecord } from '../../tests/browser/fixture/arrival-watch.ts';
import { startFixtureServer } from '../../tests/browser/fixture-server.ts';
import { orphanedPairs } from '../../tests/browser/tree-plan.ts';
import { inLoopbackNamespace, launchChromium } from '../../tests/support/chromium.ts';
import { startSmtpCapture } from '../../tests/support/smtp.ts';
import { type Bandwidth, type Pair, type RoomEnv, sleep, TreeRoom } from './tree-room.ts';

export const LINE_TAG = 'TREE-BENCH';

export type ScenarioLine =
  | {
      kind: 'join';
      session: number;
      /** Peers in the room once the newcomer is in. */
      peers: number;
      topology: string;
      /** admit -> the newcomer's first packet from every existing peer (the slowest of them). */
      newPeerMs: number;
      /** admit -> every existing peer's first packet from the newcomer (the slowest of them). */
      existingPeersMs: number;
      /** admit -> `joined` at the newcomer. */
      joinedMs: number;
      /** admit -> the newcomer holds the first plan that routes it. */
      planMs: number;
      /** Plans the newcomer received until the last first packet. */
      plans: number;
      /**
       * Where the time went, at the newcomer (admit -> each step, ms; first and last of its connections): the
       * first offer/answer of each connection completed, and each connection connected (ICE and DTLS done).
       */
      steps: JoinSteps;
      /** admit -> every pair flows over the final plan's connections. */
      settledMs: number;
      /** Receivers relayed through another peer, and the deepest path, in the settled plan. */
      relayedEdges: number;
      maxDepth: number;
      /** The most copies one peer sends (own and relayed streams; each is a PeerConnection with its own encoder). */
      maxUploads: number;
      /** Pairs still delivered over two connections once settled (a link the plan no longer names). */
      doubled: string[];
      /** 1-minute load average when the join was measured (the machine is shared). */
      load: number;
    }
  | { kind: 'join-stop'; session: number; peers: number; reason: string; load: number; maxUploads: number }
  | {
      kind: 'gap';
      run: number;
      event: GapEvent;
      /** Longest silence per affected (receiver, sender) pair, and over the unaffected ones for reference. */
      affectedMs: number[];
      unaffectedMs: number[];
      /** event -> the media settled on the new plan. */
      settledMs: number;
      doubled: string[];
    }
  | { kind: 'gap-failed'; run: number; reason: string };

export const GAP_EVENTS = ['p2p-to-tree', 'relay-left', 'tree-to-p2p', 'relay-crashed'] as const;
export type GapEvent = (typeof GAP_EVENTS)[number];

/** A desktop that can feed every peer at audio quality; its downlink keeps the policy at `audio` quality. */
const STRONG: Bandwidth = { uplinkKbps: 2_000, downlinkKbps: 600 };
/** Uplink for one 48 kbit/s copy only: a leaf everywhere, its own stream relayed by a strong peer. */
const WEAK: Bandwidth = { uplinkKbps: 100, downlinkKbps: 600 };
/** Arrival order of bandwidths: clinician and first guest strong, then weak and strong in turn. */
const profile = (index: number): Bandwidth => (index >= 2 && index % 2 === 0 ? WEAK : STRONG);

export interface ScenarioOptions {
  /** Table 1 sessions, and the largest room to try. */
  joinSessions: number;
  maxPeers: number;
  /** A join slower than this (newcomer or existing side) ends the session: the machine does not carry it. */
  slowJoinMs: number;
  gapRuns: number;
  /** Wall-clock budget from the start: the gap runs go first, then Table 1 sessions, the first always, the
   * others only while within budget. */
  budgetMs: number;
}

/** Sized so the whole benchmark stays within about four minutes on two shared cores. */
export const SCENARIO_OPTIONS: ScenarioOptions = {
  joinSessions: 3,
  maxPeers: 10,
  slowJoinMs: 5_000,
  gapRuns: 3,
  budgetMs: 150_000,
};

const JOIN_TIMEOUT_MS = 15_000;
const SETTLE_TIMEOUT_MS = 20_000;
/** After the media settled, how long to keep timing arrivals (a late silence would show up here). */
const TAIL_MS = 400;

function emit(line: ScenarioLine): void {
  console.log(`${LINE_TAG} ${JSON.stringify(line)}`);
}

export async function runScenarios(options: ScenarioOptions): Promise<void> {
  const started = Date.now();
  const smtp = await startSmtpCapture();
  const server = await startFixtureServer({
    email: { smtpUrl: smtp.url },
    // Tree mode for every size tried (the default sends groups above 6 to the SFU).
    routing: { treeMaxParticipants: options.maxPeers + 2 },
    // Trees only: no mediasoup worker competing for the two cores.
    media: { enabled: false },
    // Dozens of guests and clinicians from one loopback address within a minute.
    invites: { openRateLimit: { max: 10_000, windowSeconds: 60 } },
    auth: {
      signInLimits: { perAddress: { max: 10_000, windowSeconds: 60 } },
    },
  });
  const browser = await launchChromium();
  const env: RoomEnv = { browser, server, smtp };
  const elapsed = () => Date.now() - started;
  try {
    for (let run = 1; run <= options.gapRuns; run++) {
      await gapRun(env, run);
      await crashRun(env, run);
    }
    let maxPeers = options.maxPeers;
    for (let session = 1; session <= options.joinSessions; session++) {
      if (session > 1 && elapsed() > options.budgetMs) break;
      const reached = await joinSession(env, session, maxPeers, options.slowJoinMs);
      // Later sessions stop where this one could not go on.
      maxPeers = Math.min(maxPeers, reached);
    }
  } finally {
    await browser.close();
    await server.close();
    await smtp.close();
  }
}

/** Grows one room from 1 to `maxPeers`; returns the largest size it reached. */
async function joinSession(
  env: RoomEnv,
  session: number,
  maxPeers: number,
  slowJoinMs: number,
): Promise<number> {
  const room = await TreeRoom.open(env, profile(0));
  try {
    for (let peers = 2; peers <= maxPeers; peers++) {
      let line: Extract<ScenarioLine, { kind: 'join' }>;
      try {
        line = await measureJoin(room, session, peers);
      } catch (err) {
        const plan = await room.plan();
        emit({
          kind: 'join-stop',
          session,
          peers,
          reason: `failed: ${firstLine(err)}`,
          load: os.loadavg()[0]!,
          maxUploads: plan ? treeShape(plan).maxUploads : -1,
        });
        console.error(await room.diagnostics());
        return peers - 1;
      }
      emit(line);
      const slowest = Math.max(line.newPeerMs, line.existingPeersMs);
      if (slowest > slowJoinMs) {
        emit({
          kind: 'join-stop',
          session,
          peers,
          reason: `too slow: ${slowest} ms > ${slowJoinMs} ms`,
          load: line.load,
          maxUploads: line.maxUploads,
        });
        return peers;
      }
    }
    return maxPeers;
  } finally {
    await room.close();
  }
}

async function measureJoin(
  room: TreeRoom,
  session: number,
  peers: number,
): Promise<Extract<ScenarioLine, { kind: 'join' }>> {
  const guest = await room.invite(`guest${session}-${peers}`, profile(peers - 1));
  const existing = [...room.members.keys()];
  await guest.page.evaluate(() => window.consultaTest.watchStreams());
  await Promise.all(
    existing.map((id) =>
      room.page(id).evaluate((pid) => window.consultaTest.watchStreams({ senders: [pid] }), guest.id),
    ),
  );
  const admitAt = await room.admit(guest);
  const deadline = admitAt + JOIN_TIMEOUT_MS;
  let newPeerAt = 0;
  let existingAt = 0;
  for (;;) {
    await sleep(100);
    const atNewcomer = await guest.page.evaluate(() => window.consultaTest.streamWatch());
    const atExisting = await Promise.all(
      existing.map((id) => room.page(id).evaluate(() => window.consultaTest.streamWatch())),
    );
    const heard = existing.map((s) => atNewcomer[s]?.firstAt ?? null);
    const heardBy = atExisting.map((w) => w[guest.id]?.firstAt ?? null);
    if (heard.every(isTime) && heardBy.every(isTime)) {
      newPeerAt = Math.max(...heard);
      existingAt = Math.max(...heardBy);
      break;
    }
    if (Date.now() > deadline) {
      const missing = [
        ...existing.filter((_, i) => heard[i] === null).map((s) => `${guest.name}<-${room.name(s)}`),
        ...existing.filter((_, i) => heardBy[i] === null).map((r) => `${room.name(r)}<-${guest.name}`),
      ];
      throw new Error(`no audio within ${JOIN_TIMEOUT_MS} ms: ${missing.join(', ')}`);
    }
  }
  const timeline = await guest.page.evaluate(() => window.consultaTest.linkTimeline());
  const [joinedAt, plansSeen, planAt] = await guest.page.evaluate(
    ([until, self]) => {
      const plans = window.consultaTest.plans();
      // The first plan that routes the newcomer (a p2p plan always does; a tree plan once it has its edges).
      const routed = plans.find(
        (p) => p.plan.topology === 'p2p' || p.plan.edges.some((e) => e.child === self || e.parent === self),
      );
      return [window.consultaTest.joinedAt(), plans.filter((p) => p.at <= until).length, routed?.at ?? null];
    },
    [Math.max(newPeerAt, existingAt), guest.id] as const,
  );
  await Promise.all(
    [...room.members.values()].map((m) => m.page.evaluate(() => window.consultaTest.stopWatch())),
  );
  // The room settles (the newcomer's bandwidth known, every pair on its final connection) before the next join.
  const expected = peers === 2 ? 'p2p' : 'tree';
  const plan = await room.settledPlan((p) => p.topology === expected, SETTLE_TIMEOUT_MS);
  const { flowingAt, doubled } = await room.settledMedia(plan, SETTLE_TIMEOUT_MS);
  const shape = treeShape(plan);
  return {
    kind: 'join',
    session,
    peers,
    topology: plan.topology,
    newPeerMs: Math.round(newPeerAt - admitAt),
    existingPeersMs: Math.round(existingAt - admitAt),
    joinedMs: joinedAt === null ? -1 : joinedAt - admitAt,
    planMs: planAt === null ? -1 : planAt - admitAt,
    plans: plansSeen,
    steps: joinSteps(timeline, admitAt, Math.max(newPeerAt, existingAt)),
    settledMs: flowingAt - admitAt,
    relayedEdges: shape.relayed,
    maxDepth: shape.maxDepth,
    maxUploads: shape.maxUploads,
    doubled,
    load: os.loadavg()[0]!,
  };
}

export interface JoinSteps {
  /** Connections the newcomer opened between admit and its last first packet. */
  links: number;
  negotiated: { first: number; last: number } | null;
  connected: { first: number; last: number } | null;
}

/**
 * The newcomer's connections between `admitAt` and `until`: when each first completed an offer/answer and when
 * each first connected, as ms after admit (the earliest and the latest connection).
 */
export function joinSteps(timeline: LinkEvent[], admitAt: number, until: number): JoinSteps {
  const within = timeline.filter((e) => e.at >= admitAt && e.at <= until);
  const firstOf = (event: LinkEvent['event']) => {
    const at = new Map<string, number>();
    for (const e of within) {
      const key = `${e.role}:${e.remote}:${e.streamId}`;
      if (e.event === event && !at.has(key)) at.set(key, e.at - admitAt);
    }
    const times = [...at.values()];
    return times.length ? { first: Math.min(...times), last: Math.max(...times) } : null;
  };
  const links = new Set(within.map((e) => `${e.role}:${e.remote}:${e.streamId}`)).size;
  return { links, negotiated: firstOf('negotiated'), connected: firstOf('connected') };
}

/**
 * One room through every topology change: two peers (p2p), a third joins (tree), a weak fourth joins (its
 * stream is relayed), the relaying peer leaves (its orphans are re-parented), then one more leaves (p2p).
 */
async function gapRun(env: RoomEnv, run: number): Promise<void> {
  const room = await TreeRoom.open(env, STRONG);
  try {
    const join = (name: string, bw: Bandwidth, topology: Plan['topology']) =>
      joinSettled(room, `${name}${run}`, bw, topology);
    await join('patient', STRONG, 'p2p');

    // p2p -> tree: the two already talking must keep hearing each other while their link is replaced.
    const [a, b] = [...room.members.keys()] as [string, string];
    const watched: Pair[] = [
      [a, b],
      [b, a],
    ];
    await watch(room, watched);
    const third = await join('family', STRONG, 'tree');
    await sleep(TAIL_MS);
    emit(await gapLine(room, run, 'p2p-to-tree', watched, [], third.admitAt, third.settled));

    // A weak fourth: some peer relays its stream. That relay leaves; its orphans get new parents.
    const fourth = await join('interpreter', WEAK, 'tree');
    const relayEdge = fourth.plan.edges.find((e) => e.parent !== e.streamId);
    if (!relayEdge) throw new Error('nobody relays in the 4-peer tree');
    const relay = relayEdge.parent;
    const orphans = orphanedPairs(fourth.plan, relay);
    const stay = room.pairs().filter(([r, s]) => r !== relay && s !== relay);
    const others = stay.filter(([r, s]) => !orphans.some(([or, os]) => or === r && os === s));
    await watch(room, stay);
    const leftAt = await room.leave(relay);
    const afterLeave = await room.settledPlan(
      (p) => p.topology === 'tree' && !p.edges.some((e) => e.parent === relay || e.child === relay),
      SETTLE_TIMEOUT_MS,
    );
    const settledAfterLeave = await room.settledMedia(afterLeave, SETTLE_TIMEOUT_MS);
    await sleep(TAIL_MS);
    emit(await gapLine(room, run, 'relay-left', orphans, others, leftAt, settledAfterLeave));

    // tree -> p2p: someone who relays nothing between the last two leaves, so only the switch is measured.
    const ids = [...room.members.keys()];
    const leaver =
      ids.find((l) => !afterLeave.edges.some((e) => e.parent === l && e.streamId !== l && e.child !== l)) ??
      ids[0]!;
    const last = ids.filter((id) => id !== leaver) as [string, string];
    const pair: Pair[] = [
      [last[0], last[1]],
      [last[1], last[0]],
    ];
    await watch(room, pair);
    const left2At = await room.leave(leaver);
    const p2p = await room.settledPlan((p) => p.topology === 'p2p', SETTLE_TIMEOUT_MS);
    const settledP2p = await room.settledMedia(p2p, SETTLE_TIMEOUT_MS);
    await sleep(TAIL_MS);
    emit(await gapLine(room, run, 'tree-to-p2p', pair, [], left2At, settledP2p));
  } catch (err) {
    emit({ kind: 'gap-failed', run, reason: firstLine(err) });
    console.error(await room.diagnostics());
  } finally {
    await room.close();
  }
}

/**
 * A relay crashes: a 4-peer tree where someone relays the weak peer's stream, then the relay's tab crashes (no
 * leave, no handover). Its socket closes with its page and the room is replanned without it as a relay at once
 * (docs/routing.md); its place stays for the grace, so it stays in the plan, relaying nothing. The gap is what
 * its orphans hear meanwhile. A room of its own: the gap run may end without the clinician, who admits guests.
 */
async function crashRun(env: RoomEnv, run: number): Promise<void> {
  const room = await TreeRoom.open(env, STRONG);
  try {
    const join = async (name: string, bw: Bandwidth, topology: Plan['topology']) =>
      (await joinSettled(room, `${name}${run}c`, bw, topology)).plan;
    await join('patient', STRONG, 'p2p');
    await join('family', STRONG, 'tree');
    const plan = await join('interpreter', WEAK, 'tree');
    const crashEdge = plan.edges.find((e) => e.parent !== e.streamId);
    if (!crashEdge) throw new Error('nobody relays in the 4-peer tree');
    const crashing = crashEdge.parent;
    const orphans = orphanedPairs(plan, crashing);
    const stay = room.pairs().filter(([r, s]) => r !== crashing && s !== crashing);
    const others = stay.filter(([r, s]) => !orphans.some(([or, os]) => or === r && os === s));
    await watch(room, stay);
    const crashedAt = await room.crash(crashing);
    const afterCrash = await room.settledPlan(
      (p) => p.topology === 'tree' && !p.edges.some((e) => e.parent === crashing && e.streamId !== crashing),
      SETTLE_TIMEOUT_MS,
    );
    const settled = await room.settledMedia(afterCrash, SETTLE_TIMEOUT_MS);
    await sleep(TAIL_MS);
    emit(await gapLine(room, run, 'relay-crashed', orphans, others, crashedAt, settled));
  } catch (err) {
    emit({ kind: 'gap-failed', run, reason: `relay crash: ${firstLine(err)}` });
    console.error(await room.diagnostics());
  } finally {
    await room.close();
  }
}

/** A guest invited and admitted; returns once the room settled on a plan of `topology` and its media flows. */
async function joinSettled(room: TreeRoom, name: string, bw: Bandwidth, topology: Plan['topology']) {
  const guest = await room.invite(name, bw);
  const admitAt = await room.admit(guest);
  const plan = await room.settledPlan((p) => p.topology === topology, SETTLE_TIMEOUT_MS);
  const settled = await room.settledMedia(plan, SETTLE_TIMEOUT_MS);
  return { guest, admitAt, plan, settled };
}

/** Starts arrival timing on every receiver of `pairs` for the senders it is paired with. */
async function watch(room: TreeRoom, pairs: Pair[]): Promise<void> {
  const byReceiver = new Map<string, string[]>();
  for (const [r, s] of pairs) byReceiver.set(r, [...(byReceiver.get(r) ?? []), s]);
  await Promise.all(
    [...byReceiver].map(([r, senders]) =>
      room.page(r).evaluate((ss) => window.consultaTest.watchStreams({ senders: ss }), senders),
    ),
  );
}

async function gapLine(
  room: TreeRoom,
  run: number,
  event: GapEvent,
  affected: Pair[],
  unaffected: Pair[],
  eventAt: number,
  settled: { flowingAt: number; doubled: string[] },
): Promise<ScenarioLine> {
  const watches = new Map<string, Record<string, ArrivalRecord>>();
  for (const [id, m] of room.members) {
    watches.set(id, await m.page.evaluate(() => window.consultaTest.streamWatch()));
    await m.page.evaluate(() => window.consultaTest.stopWatch());
  }
  const gap = ([r, s]: Pair) => {
    const rec = watches.get(r)?.[s];
    if (!rec || rec.lastAt === null) throw new Error(`${room.name(r)} never timed ${room.name(s)}`);
    return Math.round(rec.maxGapMs);
  };
  return {
    kind: 'gap',
    run,
    event,
    affectedMs: affected.map(gap),
    unaffectedMs: unaffected.map(gap),
    settledMs: settled.flowingAt - eventAt,
    doubled: settled.doubled,
  };
}

/**
 * How many receivers get a stream through a relay, the longest sender -> receiver path in hops, and the most
 * copies one peer uploads.
 */
function treeShape(plan: Plan): { relayed: number; maxDepth: number; maxUploads: number } {
  if (plan.topology !== 'tree') {
    const p2p = plan.topology === 'p2p';
    return { relayed: 0, maxDepth: p2p ? 1 : 0, maxUploads: p2p ? 1 : 0 };
  }
  const uploads = new Map<string, number>();
  for (const e of plan.edges) uploads.set(e.parent, (uploads.get(e.parent) ?? 0) + 1);
  const relayed = plan.edges.filter((e) => e.parent !== e.streamId).length;
  const depth = (stream: string, node: string, seen = 0): number =>
    plan.edges.find((e) => e.streamId === stream && e.child === node)?.parent === stream
      ? seen + 1
      : depth(stream, plan.edges.find((e) => e.streamId === stream && e.child === node)!.parent, seen + 1);
  const maxDepth = Math.max(0, ...plan.edges.map((e) => depth(e.streamId, e.child)));
  return { relayed, maxDepth, maxUploads: Math.max(0, ...uploads.values()) };
}

const isTime = (t: number | null): t is number => t !== null;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}

/** Which part a run does (the environment's PART_ENV): the join sessions (tree-call bench), the gaps (switch). */
export const PART_ENV = 'CONSULTA_TREE_BENCH_PART';

if (inLoopbackNamespace() && process.argv[1] === import.meta.filename) {
  const part = process.env[PART_ENV];
  await runScenarios({
    ...SCENARIO_OPTIONS,
    ...(part === 'gaps' ? { joinSessions: 0 } : {}),
    ...(part === 'joins' ? { gapRuns: 0 } : {}),
  });
}
