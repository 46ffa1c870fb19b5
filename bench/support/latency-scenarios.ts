// The browser half of bench/latency.bench.ts, run inside a loopback-only network namespace (the bench starts it
// with runInLoopbackNamespace): real Chromium pages on the call-engine fixture with the latency probe
// (tests/support/latency-probe) as camera and microphone, the real server and a real coturn. For each route it
// opens a consultation, waits for the plan and for media to flow, clears the probe and measures for a while,
// then prints one `LATENCY-BENCH <json>` line per (receiver, sender) pair; the bench turns them into tables.
//
// Routes: p2p (two people, the policy's choice), p2p through TURN (iceTransportPolicy relay), a tree forced into
// chains of four people (routing.forceTopology 'tree' + forceTreeChain: every sender has receivers at depths 1,
// 2 and 3 in one call) and the SFU (forceTopology 'sfu'). Each route runs `runs` times, alternating. Only the
// clinician sends video (sender 0); everyone sends the beeps.
import os from 'node:os';
import type { Plan } from '@consulta/protocol';
import { startFixtureServer } from '../../tests/browser/fixture-server.ts';
import { ProbeCall } from '../../tests/browser/latency-call.ts';
import { inLoopbackNamespace, launchChromium } from '../../tests/support/chromium.ts';
import { startCoturn } from '../../tests/support/coturn.ts';
import { clearSamples, readSamples, waitForSamples } from '../../tests/support/latency-probe/inject.ts';
import { type LatencySummary, summarizeSamples } from '../../tests/support/latency-probe/stats.ts';
import { startSmtpCapture } from '../../tests/support/smtp.ts';

export const LINE_TAG = 'LATENCY-BENCH';

export const ROUTES = ['p2p', 'p2p-turn', 'tree-chain', 'sfu'] as const;
export type Route = (typeof ROUTES)[number];

export type ScenarioLine =
  | {
      kind: 'pair';
      route: Route;
      run: number;
      /** Hops from the sender (1 = direct; the SFU counts as 1). */
      depth: number;
      receiver: number;
      sender: number;
      video: LatencySummary;
      audio: LatencySummary;
      /** 1-minute load average when the pair was measured. */
      load: number;
    }
  | { kind: 'self'; route: Route; run: number; sender: number; video: LatencySummary; audio: LatencySummary }
  | { kind: 'failed'; route: Route; run: number; reason: string };

export interface ScenarioOptions {
  runs: number;
  /** Per measurement: at least this many frames and beeps of every sender at every receiver. */
  frames: number;
  beeps: number;
}

export const SCENARIO_OPTIONS: ScenarioOptions = {
  runs: Number(process.env.LATENCY_BENCH_RUNS ?? 2),
  frames: 150,
  beeps: 8,
};

function emit(line: ScenarioLine): void {
  console.log(`${LINE_TAG} ${JSON.stringify(line)}`);
}

export async function runScenarios(options: ScenarioOptions): Promise<void> {
  const smtp = await startSmtpCapture();
  const coturn = await startCoturn({ verbose: false });
  const server = await startFixtureServer({
    email: { smtpUrl: smtp.url },
    turn: { urls: coturn.urls, secret: coturn.secret },
    invites: { openRateLimit: { max: 10_000, windowSeconds: 60 } },
    auth: { signInLimits: { perAddress: { max: 10_000, windowSeconds: 60 } } },
  });
  const browser = await launchChromium();
  try {
    for (let run = 1; run <= options.runs; run++) {
      for (const route of ROUTES) {
        // Read on every plan: one server serves every route.
        server.config.routing.forceTopology =
          route === 'tree-chain' ? 'tree' : route === 'sfu' ? 'sfu' : null;
        server.config.routing.forceTreeChain = route === 'tree-chain';
        const call = new ProbeCall(browser, server, smtp, {
          iceTransportPolicy: route === 'p2p-turn' ? 'relay' : 'all',
          // One camera (the clinician's), everyone's microphone: four pages encoding and relaying four videos
          // starve two shared cores, and the figures then measure the starving rather than the hop.
          videoFromClinicianOnly: true,
        });
        try {
          await measureRoute(call, route, run, options);
        } catch (err) {
          emit({ kind: 'failed', route, run, reason: firstLine(err) });
          console.error(await call.diagnostics().catch(() => ''));
        } finally {
          await call.close();
        }
      }
    }
  } finally {
    await browser.close();
    await server.close();
    await coturn.stop();
    await smtp.close();
  }
}

async function measureRoute(call: ProbeCall, route: Route, run: number, options: ScenarioOptions) {
  await call.open(route === 'tree-chain' ? 3 : 1);
  const topology = route === 'tree-chain' ? 'tree' : route === 'sfu' ? 'sfu' : 'p2p';
  const plan = await call.settledPlan(
    (p) => p.topology === topology && (topology !== 'tree' || p.edges.length > 0),
  );
  await call.people[0]!.page.evaluate(() => window.consultaLatencyProbe.watchSelf());
  // Media flowing everywhere first (the start of a call carries key frames and a filling jitter buffer).
  for (const receiver of call.people) {
    for (const sender of call.people) {
      if (sender === receiver) continue;
      const video = sender.sender === 0 ? 30 : 0;
      await waitForSamples(receiver.page, { sender: sender.sender, video, audio: 2 }, 60_000);
    }
  }
  await Promise.all(call.people.map((p) => clearSamples(p.page)));
  for (const receiver of call.people) {
    for (const sender of call.people) {
      if (sender === receiver) continue;
      await waitForSamples(
        receiver.page,
        { sender: sender.sender, video: sender.sender === 0 ? options.frames : 0, audio: options.beeps },
        90_000,
      );
    }
  }
  const load = os.loadavg()[0]!;
  for (const receiver of call.people) {
    const all = (await readSamples(receiver.page)).filter((s) => s.track > 0);
    for (const sender of call.people) {
      if (sender === receiver) continue;
      // The newest track per sender and kind only: after a make-before-break switch an old one may linger.
      const newest = (kind: 'video' | 'audio') =>
        Math.max(0, ...all.filter((s) => s.kind === kind && s.sender === sender.sender).map((s) => s.track));
      const tracks = new Set([newest('video'), newest('audio')]);
      const samples = all.filter((s) => tracks.has(s.track));
      emit({
        kind: 'pair',
        route,
        run,
        depth: topology === 'tree' ? depthOf(plan, sender.id, receiver.id) : 1,
        receiver: receiver.sender,
        sender: sender.sender,
        video: summarizeSamples(samples, sender.sender, 'video'),
        audio: summarizeSamples(samples, sender.sender, 'audio'),
        load,
      });
    }
  }
  const self = (await readSamples(call.people[0]!.page)).filter((s) => s.track === 0);
  emit({
    kind: 'self',
    route,
    run,
    sender: 0,
    video: summarizeSamples(self, 0, 'video'),
    audio: summarizeSamples(self, 0, 'audio'),
  });
}

/** Hops from `sender` to `receiver` in the sender's tree of `plan`. */
function depthOf(plan: Plan, sender: string, receiver: string): number {
  let hops = 0;
  for (let node = receiver; node !== sender; hops++) {
    const edge = plan.edges.find((e) => e.streamId === sender && e.child === node);
    if (!edge || hops > plan.edges.length) return Number.NaN;
    node = edge.parent;
  }
  return hops;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}

if (inLoopbackNamespace() && process.argv[1] === import.meta.filename) await runScenarios(SCENARIO_OPTIONS);
