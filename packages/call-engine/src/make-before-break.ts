// Waiting for a new media path before closing the old one (make before break), whichever the paths are: peer
// connections reaching `connected`, or the SFU's tracks feeding the remote streams.
import type { PeerLink } from './peer-link.ts';

/** How often a migration checks whether the new path delivers. */
const POLL_MS = 100;

/** Resolves when every link is connected, failed or closed, or after `timeoutMs`. */
export function whenConnected(links: PeerLink[], timeoutMs: number): Promise<void> {
  const pending = links.filter((l) => l.state !== 'connected' && !l.isClosed);
  if (pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(finish, timeoutMs);
    const check = () => {
      if (pending.every((l) => l.isClosed || l.state === 'connected' || l.state === 'failed')) finish();
    };
    const offs = pending.map((l) => {
      const handler = () => check();
      l.pc.addEventListener('connectionstatechange', handler);
      return () => l.pc.removeEventListener('connectionstatechange', handler);
    });
    function finish() {
      clearTimeout(timer);
      for (const off of offs) off();
      resolve();
    }
  });
}

/** Resolves when `condition` holds (checked every POLL_MS; track unmutes have no aggregate event) or on timeout. */
export function whenTrue(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = () => {
      if (condition() || Date.now() >= deadline) resolve();
      else setTimeout(check, POLL_MS);
    };
    check();
  });
}

/** How long a move to the SFU waits for the SFU session to come up at all before closing the old path. */
export const SFU_START_LIMIT_MS = 30_000;

/**
 * Resolves when the SFU `delivers` (feeds every remote stream), or `timeoutMs` after its session is `up`. The
 * session's start is not counted: on a loaded server the SFU can take longer to come up than the whole timeout
 * (seen in CI: up 7.4 s after the plan, its consumers 2 s later), and closing the peer connections then leaves
 * tiles with nothing. A session that never comes up is waited for SFU_START_LIMIT_MS.
 */
export async function whenSfuDelivers(
  sfu: { up: () => boolean; delivers: () => boolean },
  timeoutMs: number,
  startLimitMs = SFU_START_LIMIT_MS,
): Promise<void> {
  await whenTrue(() => sfu.delivers() || sfu.up(), startLimitMs);
  await whenTrue(sfu.delivers, timeoutMs);
}

/** Whether `owns` claims every track of the present peers' streams (`all`), and any track of them (`any`). */
export function streamsFedBy(
  streams: Iterable<[string, MediaStream]>,
  present: { has(peerId: string): boolean },
  owns: (track: MediaStreamTrack) => boolean,
): { all: boolean; any: boolean } {
  let all = true;
  let any = false;
  for (const [sender, stream] of streams) {
    if (!present.has(sender)) continue;
    const tracks = stream.getTracks();
    if (tracks.some(owns)) any = true;
    if (!tracks.every(owns)) all = false;
  }
  return { all, any };
}
