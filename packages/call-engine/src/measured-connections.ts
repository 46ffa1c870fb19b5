// What the engine's reporters read: its live connections (peer links that are up and not in a relay's handover,
// and the SFU session's two transports) for bandwidth and media-path reports, and every receiver of remote media
// for receive latency. Functions of the engine's state, so the engine only says where its state is.
import type { MeasurableConnection } from './bandwidth-reporter.ts';
import type { CarriedBytes } from './carried-traffic.ts';
import type { ReportableConnection } from './path-reporter.ts';
import type { PeerLink } from './peer-link.ts';
import type { LatencySource } from './receive-latency.ts';
import { videoCapKbps } from './send-quality.ts';
import type { SfuSession } from './sfu-session.ts';
import { statsValues, summarizeSelectedPair } from './stats.ts';

export interface EngineConnections {
  links: ReadonlyMap<string, PeerLink>;
  /** Links kept only for a leaving relay's handover: they carry nothing of this client's own link. */
  handingOver: ReadonlySet<string>;
  sfu: SfuSession | null;
}

/** Peer links that are up and not being handed over. */
function liveLinks(c: EngineConnections): Array<[string, PeerLink]> {
  return [...c.links].filter(([key, link]) => link.state === 'connected' && !c.handingOver.has(key));
}

/** The SFU session's send and receive transports, each with a key stable for the session. */
function sfuTransports(session: SfuSession | null) {
  if (!session) return [];
  return (['send', 'recv'] as const).map((direction) => ({
    key: `sfu|${session.epoch}|${direction}`,
    direction,
    getStats: async () => {
      const report = (await session.transportStats())[direction];
      if (!report) throw new Error('no transport');
      return report;
    },
  }));
}

/** What bandwidth is measured on. */
export function measurableConnections(c: EngineConnections): MeasurableConnection[] {
  return [
    ...liveLinks(c).map(([key, link]) => ({
      key,
      getStats: () => link.pc.getStats(),
      videoCapKbps: () => videoCapKbps(link.pc),
    })),
    ...sfuTransports(c.sfu).map(({ key, getStats }) => ({ key, getStats })),
  ];
}

/** Connections whose route the media-path record wants. */
export function reportableConnections(c: EngineConnections): ReportableConnection[] {
  return [
    ...liveLinks(c).map(([key, link]) => ({
      key,
      link: link.spec.role,
      peerId: link.spec.remote,
      streamId: link.spec.streamId,
      getStats: () => link.pc.getStats(),
    })),
    ...sfuTransports(c.sfu).map(({ key, direction, getStats }) => ({
      key,
      link: direction === 'send' ? ('sfu-send' as const) : ('sfu-recv' as const),
      peerId: null,
      streamId: null,
      getStats,
    })),
  ];
}

/** The selected pairs' byte counters of every measurable connection (what the link carries for the call). */
export async function carriedBytes(c: EngineConnections): Promise<CarriedBytes> {
  const out = new Map<string, { sent: number; received: number }>();
  await Promise.all(
    measurableConnections(c).map(async (m) => {
      const pair = summarizeSelectedPair(statsValues(await m.getStats().catch(() => new Map())));
      if (pair) out.set(m.key, { sent: pair.bytesSent, received: pair.bytesReceived });
    }),
  );
  return out;
}

/** Every receiver of remote media: tree and mesh links that receive, and the SFU's consumers. */
export async function latencySources(c: EngineConnections): Promise<LatencySource[]> {
  const links = [...c.links]
    .filter(([, l]) => l.state === 'connected' && (l.spec.role === 'recv' || l.spec.role === 'mesh'))
    .map(
      async ([key, l]): Promise<LatencySource> => ({
        key,
        streamId: l.spec.role === 'mesh' ? l.spec.remote : l.spec.streamId,
        via: l.spec.remote,
        stats: statsValues(await l.pc.getStats()),
      }),
    );
  const sfu = (c.sfu?.receivers() ?? []).map(
    async (r, i): Promise<LatencySource> => ({
      key: `sfu|${r.peerId}|${r.kind}|${i}`,
      streamId: r.peerId,
      via: 'sfu',
      stats: statsValues(await r.getStats()),
    }),
  );
  const settled = await Promise.allSettled([...links, ...sfu]);
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}
