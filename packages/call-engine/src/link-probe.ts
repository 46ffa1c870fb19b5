// Measures the access link's capacity against the Consulta server (GET/POST /api/link-probe, see
// @consulta/protocol): a congestion controller's estimate only shows what a call happens to send (a 320x240
// camera never finds out that the link carries 100 Mbit/s), while a short bulk transfer fills the link. Downloads
// run a few requests in parallel (one TCP flow underuses a lossy link) until a time or byte budget is spent, timed
// only while some flow is transferring (probe-rate.ts); uploads grow until one takes long enough to time well.
// What the call's own media carried over the link meanwhile is added to each direction (carried-traffic.ts).
import { apiUrl, LINK_PROBE_MAX_BYTES, type LinkProbeUploadReply, Routes } from '@consulta/protocol';
import { type CarriedBytes, carriedRate } from './carried-traffic.ts';
import { downloadKbps } from './probe-rate.ts';

/**
 * Why a probe failed. Not retryable: the server refused it (no such route, not allowed), so asking again will not
 * help; retryable: a busy server (429, 5xx), the network, or too little data to time.
 */
export class LinkProbeError extends Error {
  override name = 'LinkProbeError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const httpError = (status: number) =>
  new LinkProbeError(`link probe: HTTP ${status}`, status === 429 || status >= 500);

/** Shorter uploads are not timed well enough to count. */
const MIN_TIMED_MS = 150;

export interface LinkCapacity {
  uplinkKbps: number;
  downlinkKbps: number;
}

export interface LinkProbeOptions {
  serverUrl: string;
  fetch: typeof fetch;
  /** Time budget per direction (default 2000 ms). */
  budgetMs?: number;
  /** Byte budget per direction (default 8 MiB). */
  maxBytes?: number;
  /** Parallel download requests (default 6, a browser's limit per host). */
  parallel?: number;
  /** The byte counters of the client's media connections now (none: the probe's own figures stand). */
  carried?: () => Promise<CarriedBytes>;
}

export async function probeLink(o: LinkProbeOptions): Promise<LinkCapacity> {
  const downlinkKbps = await withCarried(o, 'downKbps', () => probeDownlink(o));
  const uplinkKbps = await withCarried(o, 'upKbps', () => probeUplink(o));
  return { uplinkKbps, downlinkKbps };
}

/** `measure`'s figure plus what the media connections carried in that direction while it ran. */
async function withCarried(
  o: LinkProbeOptions,
  direction: 'upKbps' | 'downKbps',
  measure: () => Promise<number>,
): Promise<number> {
  const none: CarriedBytes = new Map();
  const counters = async () => (o.carried ? await o.carried().catch(() => none) : none);
  const before = await counters();
  const from = performance.now();
  const kbps = await measure();
  const after = await counters();
  return kbps + carriedRate(before, after, performance.now() - from)[direction];
}

async function probeDownlink(o: LinkProbeOptions): Promise<number> {
  const budgetMs = o.budgetMs ?? 2000;
  const maxBytes = Math.min(o.maxBytes ?? LINK_PROBE_MAX_BYTES, LINK_PROBE_MAX_BYTES);
  const parallel = o.parallel ?? 6;
  const each = Math.max(1, Math.floor(maxBytes / parallel));
  const abort = new AbortController();
  const flows: Array<Array<[number, number]>> = [];
  let first = 0;
  const started = performance.now();
  // The budget runs from the first byte (checked as chunks arrive); this only ends a probe whose server never
  // answers or whose link stalls completely.
  const timer = setTimeout(() => abort.abort(), 3 * budgetMs);
  const one = async () => {
    const chunks: Array<[number, number]> = [];
    flows.push(chunks);
    const res = await o.fetch(apiUrl(Routes.linkProbeDownload, { query: { bytes: each } }, o.serverUrl), {
      credentials: 'include',
      cache: 'no-store',
      signal: abort.signal,
    });
    if (!res.ok || !res.body) throw httpError(res.status);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const now = performance.now();
      if (first === 0) first = now;
      chunks.push([now, value.byteLength]);
      if (now - first >= budgetMs) {
        abort.abort();
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, one));
  } catch (err) {
    if (!abort.signal.aborted) {
      abort.abort();
      throw err;
    }
  } finally {
    clearTimeout(timer);
  }
  const kbps = downloadKbps(flows);
  if (kbps === null) {
    throw new LinkProbeError(
      `link probe: too little downloaded to time in ${Math.round(performance.now() - started)} ms`,
      true,
    );
  }
  return kbps;
}

async function probeUplink(o: LinkProbeOptions): Promise<number> {
  const budgetMs = o.budgetMs ?? 2000;
  const maxBytes = Math.min(o.maxBytes ?? LINK_PROBE_MAX_BYTES, LINK_PROBE_MAX_BYTES);
  const started = performance.now();
  let size = 16 * 1024;
  let best: LinkProbeUploadReply | null = null;
  // One flow: in the lab, parallel uploads overflow a home router's short queue and time worse.
  for (;;) {
    // A round that takes far longer than planned (the link got busy) is abandoned; the last figure stands.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 2 * budgetMs);
    let reply: LinkProbeUploadReply;
    const sentAt = performance.now();
    try {
      const res = await o.fetch(apiUrl(Routes.linkProbeUpload, {}, o.serverUrl), {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(size),
        signal: abort.signal,
      });
      if (!res.ok) throw httpError(res.status);
      // Timed here, from sending to the server's answer (an upper bound on the time, so a lower bound on the
      // rate): the server's own first-to-last-byte time shrinks when it is too busy to read as data arrives.
      const server = (await res.json()) as LinkProbeUploadReply;
      reply = { bytes: server.bytes, ms: Math.max(server.ms, performance.now() - sentAt) };
    } catch (err) {
      if (abort.signal.aborted && best) break;
      throw err;
    } finally {
      clearTimeout(timer);
    }
    // A transfer that fits in the router's burst and the sockets' buffers arrives faster than the link: only
    // one that took a while is a figure (the largest so far wins).
    if (reply.ms >= MIN_TIMED_MS || (!best && size >= maxBytes)) best = reply;
    const spent = performance.now() - started;
    // Long enough to time (half the budget), or out of budget: the last, largest transfer is the figure.
    if ((best && best.ms >= budgetMs / 2) || size >= maxBytes || spent >= 2 * budgetMs) break;
    // Grow by 4 at most: a short transfer overstates the rate, and a round far too big would never finish.
    const rate = best ? best.bytes / best.ms : 0; // bytes per ms
    size = Math.min(maxBytes, size * 4, Math.max(size * 2, Math.round(rate * budgetMs)));
  }
  if (!best) throw new LinkProbeError('link probe: no upload could be timed', true);
  return Math.round((best.bytes * 8) / best.ms);
}
