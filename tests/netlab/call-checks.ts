// What the network lab's call tests check on the pages: every participant decoding every other one, a tree
// relayed by one participant, video resuming over a new path after that relay is shed, and a plan in words for
// the MEASURE lines.
import type { Plan, TreeEdge } from '@consulta/protocol';
import { type LabCall, type LabParticipant, waitFor } from '../support/netlab/index.ts';

export const known = (p: Plan) => !p.reasons.some((r) => r.code === 'bandwidth-unknown');

/** The edges on which `relay` forwards someone else's stream. */
export const relayedBy = (plan: Plan, relay: LabParticipant): TreeEdge[] =>
  plan.edges.filter((e) => e.parent === relay.id && e.streamId !== relay.id);

/**
 * Waits for a tree made on everyone's figures in which `relay` forwards others' streams, and for everyone to
 * decode everyone. Returns the plan and the edges `relay` forwards (whose children it would orphan).
 */
export async function treeRelayedBy(
  call: LabCall,
  relay: LabParticipant,
): Promise<{ plan: Plan; relayed: TreeEdge[] }> {
  const plan = await call.settledPlan(
    (p) => p.topology === 'tree' && known(p) && relayedBy(p, relay).length > 0,
    60_000,
  );
  console.log(`MEASURE before: ${planText(plan, call)}`);
  await everyoneSeesVideo(call, relay);
  return { plan, relayed: relayedBy(plan, relay) };
}

/** The first plan after `plan` in which `relay` forwards nothing, as `watchers` see it. */
export const planWithoutRelay = (
  call: LabCall,
  plan: Plan,
  relay: LabParticipant,
  timeoutMs: number,
  watchers = call.participants,
): Promise<Plan> =>
  call.settledPlan((p) => p.version > plan.version && relayedBy(p, relay).length === 0, timeoutMs, watchers);

/** Each child `relay` forwarded to decodes that stream again over another path; prints when, counted from `since`. */
export async function orphansSeeVideoAgain(
  call: LabCall,
  relayed: TreeEdge[],
  relay: LabParticipant,
  since: number,
): Promise<void> {
  for (const e of relayed) {
    const child = call.participants.find((p) => p.id === e.child)!;
    const resumedMs = await videoResumes(child, e.streamId, relay.id, since);
    console.log(`MEASURE ${child.name} sees ${call.nameOf(e.streamId)} again ${resumedMs} ms after`);
  }
}

export async function framesOf(receiver: LabParticipant, sender: string, path?: string): Promise<number> {
  const r = await receiver.page.evaluate(() => window.lab.received());
  const m = r[sender];
  return m && (!path || m.paths.includes(path)) ? m.framesDecoded : 0;
}

/** Every participant decodes a growing number of frames from every other one (over `path` when given). */
export async function everyoneSeesVideo(call: LabCall, _who: LabParticipant, path?: string): Promise<void> {
  for (const r of call.participants) {
    for (const s of call.participants) {
      if (r === s) continue;
      const first = await waitFor(
        async () => {
          const f = await framesOf(r, s.id, path);
          return f > 0 ? f : undefined;
        },
        45_000,
        `${r.name} decodes ${s.name}'s video: ${await call.dump()}`,
      );
      await waitFor(
        async () => ((await framesOf(r, s.id, path)) > first + 5 ? true : undefined),
        30_000,
        `${r.name} keeps decoding ${s.name}`,
      );
    }
  }
}

/** ms from `since` until `receiver` decodes new frames of `sender` over a connection not through `shed`. */
export async function videoResumes(
  receiver: LabParticipant,
  sender: string,
  shed: string,
  since: number,
): Promise<number> {
  // Frames through any other path: the old one through `shed` may still trickle until it is closed.
  const frames = async () => {
    const m = (await receiver.page.evaluate(() => window.lab.received()))[sender];
    if (!m) return null;
    const other = Object.entries(m.framesVia).filter(([via]) => via !== shed);
    return other.length > 0 ? other.reduce((n, [, f]) => n + f, 0) : null;
  };
  let last: number | null = null;
  await waitFor(
    async () => {
      const f = await frames();
      const grew = f !== null && last !== null && f > last;
      last = f;
      return grew ? true : undefined;
    },
    45_000,
    `${receiver.name} sees ${sender} again, not through ${shed}`,
  );
  return Date.now() - since;
}

export function planText(plan: Plan, call: LabCall): string {
  const n = (id: string) => call.nameOf(id);
  const reasons = plan.reasons.map((r) => `${r.code}${r.peerId ? `:${n(r.peerId)}` : ''}`).join(', ');
  const edges = plan.edges.map((e) => `${n(e.streamId)}:${n(e.parent)}>${n(e.child)}`).join(' ');
  return `${plan.topology} ${plan.quality} [${reasons}] ${edges}`;
}
