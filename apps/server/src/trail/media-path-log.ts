import {
  ErrorCode,
  type MediaLinkKind,
  type MediaPathSpan,
  pathOfPair,
  type SelectedPair,
  type Topology,
} from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { PrismaClient, MediaPathSpan as SpanRow } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { KeyedQueue } from '../keyed-queue.ts';
import { TokenBucket } from '../limits/index.ts';
import type { Room } from '../signaling/room.ts';
import type { RoomObserver } from '../signaling/rooms.ts';
import { type PlannedLink, plannedKey, plannedLinks } from './planned-links.ts';

/** A client reports a pair when it changes: a few per connection per call. This bounds a misbehaving one. */
const REPORTS_PER_SECOND = 2;
const REPORT_BURST = 30;

interface OpenSpan {
  id: string;
  reported: string | null;
}

export interface MediaPathReport {
  link: MediaLinkKind;
  peerId: string | null;
  streamId: string | null;
  pair: SelectedPair | null;
}

const topologyOf = (link: MediaLinkKind): Topology =>
  link === 'mesh' ? 'p2p' : link === 'send' || link === 'recv' ? 'tree' : 'sfu';

/**
 * The media-path record. Follows each room's plans (a span per planned connection, opened with path "unknown",
 * closed when a plan drops it or its member leaves) and the clients' reports of their selected candidate pairs
 * (which fill in the path, or close the span and open the next when the pair changes mid-call). Database writes
 * run in a queue of their own per consultation, off the room's turn, so recording the path never delays a join
 * or a plan; `settled` waits for them (the REST reads do).
 */
export class MediaPathLog implements RoomObserver {
  private readonly queue = new KeyedQueue();
  private readonly open = new Map<string, Map<string, OpenSpan>>();
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sfuNode: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  planChanged(room: Room): void {
    const plan = room.plan;
    const planned = plannedLinks(plan, [...room.members.keys()]);
    this.enqueue(room.consultationId, async () => {
      const spans = this.spansOf(room.consultationId);
      const now = new Date();
      const wanted = new Map(planned.map((l) => [plannedKey(l), l]));
      const gone = [...spans].filter(([k]) => !wanted.has(k));
      await this.close(
        room.consultationId,
        gone.map(([k]) => k),
        now,
      );
      for (const [key, l] of wanted) {
        if (!spans.has(key))
          spans.set(key, {
            id: await this.create(room.consultationId, l, plan.version, now),
            reported: null,
          });
      }
    });
  }

  memberLeft(room: Room, participantId: string): void {
    this.enqueue(room.consultationId, async () => {
      const spans = this.spansOf(room.consultationId);
      const keys = [...spans.keys()].filter((k) => k.startsWith(`${participantId}|`));
      await this.close(room.consultationId, keys, new Date());
    });
    this.buckets.delete(`${room.consultationId}|${participantId}`);
  }

  roomEnded(consultationId: string): void {
    this.enqueue(consultationId, async () => {
      await this.close(consultationId, [...this.spansOf(consultationId).keys()], new Date());
      this.open.delete(consultationId);
    });
  }

  /** A member's report of one connection's selected pair (validated by the edge's schema). */
  report(room: Room, participantId: string, r: MediaPathReport): void {
    const bucketKey = `${room.consultationId}|${participantId}`;
    let bucket = this.buckets.get(bucketKey);
    if (!bucket) {
      bucket = new TokenBucket(REPORTS_PER_SECOND, REPORT_BURST);
      this.buckets.set(bucketKey, bucket);
    }
    if (!bucket.take()) throw new AppError(ErrorCode.RateLimited, 'Too many media-path reports');
    const isSfu = r.link === 'sfu-send' || r.link === 'sfu-recv';
    if (isSfu !== (r.peerId === null) || ((r.link === 'send' || r.link === 'recv') && r.streamId === null))
      throw new AppError(
        ErrorCode.ValidationFailed,
        'peerId (and streamId for tree links) must match the link',
      );
    // A report about someone no longer here raced their departure: nothing to record.
    if (r.peerId !== null && !room.members.has(r.peerId)) return;
    if (r.pair === null) return; // a closed connection: the plan or the departure closes its span
    const pair = r.pair;
    const planned: PlannedLink = {
      participantId,
      link: r.link,
      peerId: r.peerId,
      streamOwnerId: r.link === 'send' || r.link === 'recv' ? r.streamId : null,
      relayedById: null,
    };
    const planVersion = room.plan.version;
    this.enqueue(room.consultationId, async () => {
      const spans = this.spansOf(room.consultationId);
      const key = plannedKey(planned);
      const now = new Date();
      const text = JSON.stringify(pair);
      const span = spans.get(key);
      if (span?.reported === text) return;
      if (span && span.reported === null) {
        await this.prisma.mediaPathSpan.update({
          where: { id: span.id },
          data: { ...pairFields(pair), reportedAt: now },
        });
        span.reported = text;
        return;
      }
      // A new pair on a reported connection (ICE restart, network change), or a connection no plan named (a
      // report that overtook its plan): a span of its own from now on.
      let relayedById: string | null = null;
      if (span) {
        const prev = await this.prisma.mediaPathSpan.update({
          where: { id: span.id },
          data: { endedAt: now },
        });
        relayedById = prev.relayedById;
      }
      const id = await this.create(room.consultationId, { ...planned, relayedById }, planVersion, now, pair);
      spans.set(key, { id, reported: text });
    });
  }

  /** Resolves once every write queued so far for the consultation is done. */
  settled(consultationId: string): Promise<void> {
    return this.queue.run(consultationId, () => undefined);
  }

  private spansOf(consultationId: string): Map<string, OpenSpan> {
    let spans = this.open.get(consultationId);
    if (!spans) {
      spans = new Map();
      this.open.set(consultationId, spans);
    }
    return spans;
  }

  private async create(
    consultationId: string,
    l: PlannedLink,
    planVersion: number,
    at: Date,
    pair?: SelectedPair,
  ): Promise<string> {
    const row = await this.prisma.mediaPathSpan.create({
      data: {
        consultationId,
        participantId: l.participantId,
        topology: topologyOf(l.link),
        link: l.link,
        peerId: l.peerId,
        streamOwnerId: l.streamOwnerId,
        relayedById: l.relayedById,
        sfuNode: l.link === 'sfu-send' || l.link === 'sfu-recv' ? this.sfuNode : null,
        planVersion,
        startedAt: at,
        ...(pair ? { ...pairFields(pair), reportedAt: at } : {}),
      },
      select: { id: true },
    });
    return row.id;
  }

  private async close(consultationId: string, keys: string[], at: Date): Promise<void> {
    const spans = this.spansOf(consultationId);
    const ids = keys.flatMap((k) => spans.get(k)?.id ?? []);
    for (const k of keys) spans.delete(k);
    if (ids.length > 0)
      await this.prisma.mediaPathSpan.updateMany({ where: { id: { in: ids } }, data: { endedAt: at } });
  }

  private enqueue(consultationId: string, task: () => Promise<void>): void {
    this.queue.run(consultationId, task).catch((err: unknown) => {
      this.log.error({ err, consultationId }, 'media-path record: write failed');
    });
  }
}

function pairFields(pair: SelectedPair) {
  return {
    path: pathOfPair(pair),
    localType: pair.localType,
    remoteType: pair.remoteType,
    protocol: pair.protocol,
    relayProtocol: pair.relayProtocol ?? null,
    relayAddress: pair.relayAddress ?? null,
  };
}

/** A stored span as the protocol carries it. */
export function spanView(s: SpanRow): MediaPathSpan {
  const pair: SelectedPair | null =
    s.localType && s.remoteType && s.protocol
      ? ({
          localType: s.localType,
          remoteType: s.remoteType,
          protocol: s.protocol,
          ...(s.relayProtocol ? { relayProtocol: s.relayProtocol } : {}),
          ...(s.relayAddress ? { relayAddress: s.relayAddress } : {}),
        } as SelectedPair)
      : null;
  return {
    id: s.id,
    participantId: s.participantId,
    topology: s.topology as Topology,
    link: s.link as MediaLinkKind,
    peerId: s.peerId,
    streamOwnerId: s.streamOwnerId,
    relayedById: s.relayedById,
    sfuNode: s.sfuNode,
    path: s.path as MediaPathSpan['path'],
    pair,
    planVersion: s.planVersion,
    startedAt: s.startedAt.toISOString(),
    reportedAt: s.reportedAt?.toISOString() ?? null,
    endedAt: s.endedAt?.toISOString() ?? null,
  };
}
