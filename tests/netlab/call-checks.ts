// What the network lab's call tests check on the pages: every participant decoding every other one, video
// resuming over a new path after a relay is shed, and a plan in words for the MEASURE lines.
import type { Plan } from '@consulta/protocol';
import { type LabCall, type LabParticipant, waitFor } from '../support/netlab/index.ts';

export const known = (p: Plan) => !p.reasons.some((r) => r.code === 'bandwidth-unknown');

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
