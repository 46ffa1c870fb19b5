import { ClientMessage, ErrorCode, ServerMessage } from '@consulta/protocol';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { MediaService } from '../media/index.ts';
import type { RecordingService } from '../recording/service.ts';
import { worstReceiveLatencyMs } from '../signaling/receive-latency.ts';
import type { RoomObserver, Rooms } from '../signaling/rooms.ts';
import { SfuUsage } from './sfu-usage.ts';

/** The message types a schema union allows: the only values a `type` label may take. */
function messageTypes(union: {
  anyOf: ReadonlyArray<{ properties: { type: { const?: unknown } } }>;
}): Set<string> {
  return new Set(union.anyOf.map((s) => String(s.properties.type.const)));
}
const clientTypes = messageTypes(ClientMessage as never);
const serverTypes = messageTypes(ServerMessage as never);
const errorCodes = new Set<string>(Object.values(ErrorCode));

/**
 * The server's Prometheus metrics (prom-client), in one registry served at /metrics (routes.ts). Live state
 * (consultations, participants, SFU workers, recordings) is read when scraped; events (plans, messages,
 * credentials, errors) are counted as they happen through the `record*` methods and the room observer, so the
 * code being measured only ever calls a method here or is observed, never touches prom-client itself.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly sfu = new SfuUsage();

  private readonly plans = new Counter({
    name: 'consulta_plans_sent_total',
    help: 'Media plans sent to rooms, by topology',
    labelNames: ['topology'],
    registers: [this.registry],
  });
  private readonly planReasons = new Counter({
    name: 'consulta_plan_reasons_total',
    help: 'Reasons given in the plans sent (a plan gives one or more), by reason code',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly sockets = new Gauge({
    name: 'consulta_websocket_connections',
    help: 'Open signaling WebSocket connections',
    registers: [this.registry],
  });
  private readonly socketsOpened = new Counter({
    name: 'consulta_websocket_connections_total',
    help: 'Signaling WebSocket connections opened',
    registers: [this.registry],
  });
  private readonly messages = new Counter({
    name: 'consulta_websocket_messages_total',
    help: 'Signaling messages, by direction (in: from clients, out: to clients) and type ("invalid" for unparseable)',
    labelNames: ['direction', 'type'],
    registers: [this.registry],
  });
  private readonly turnCredentials = new Counter({
    name: 'consulta_turn_credentials_issued_total',
    help: 'TURN credentials handed out by GET /api/turn/credentials',
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'consulta_errors_total',
    help: 'Errors reported to clients, by transport (http, websocket) and error code',
    labelNames: ['transport', 'code'],
    registers: [this.registry],
  });

  constructor(sources: { rooms: Rooms; media: MediaService; recordings: RecordingService }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'consulta_' });
    const { rooms } = sources;
    new Gauge({
      name: 'consulta_consultations_live',
      help: 'Consultations with someone in the call, by the topology of their current plan',
      labelNames: ['topology'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const topology of ['p2p', 'tree', 'sfu']) this.set({ topology }, 0);
        for (const room of rooms.live()) {
          if (room.members.size > 0) this.inc({ topology: room.plan.topology });
        }
      },
    });
    new Gauge({
      name: 'consulta_participants_live',
      help: 'People in live consultations: in the call, or waiting in the lobby',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        let inCall = 0;
        let waiting = 0;
        for (const room of rooms.live()) {
          inCall += room.members.size;
          waiting += room.lobby.size;
        }
        this.set({ state: 'in_call' }, inCall);
        this.set({ state: 'waiting' }, waiting);
      },
    });
    new Gauge({
      name: 'consulta_receive_latency_worst_ms',
      help:
        'The slowest incoming stream any participant reports (receive-latency: jitter buffer + RTT/2 + decode), ' +
        'over live consultations, by topology',
      labelNames: ['topology'],
      registers: [this.registry],
      collect() {
        this.reset();
        const worst = new Map<string, number>();
        for (const room of rooms.live()) {
          const ms = worstReceiveLatencyMs(room);
          const topology = room.plan.topology;
          if (ms !== null) worst.set(topology, Math.max(ms, worst.get(topology) ?? 0));
        }
        for (const [topology, ms] of worst) this.set({ topology }, ms);
      },
    });
    const { media, recordings } = sources;
    const sfu = this.sfu;
    sfu.attach(media.workers);
    const perWorker = (name: string, help: string, value: (w: MediaService['workers'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['worker'],
        registers: [this.registry],
        collect() {
          this.reset();
          sfu.attach(media.workers);
          for (const w of media.workers) this.set({ worker: String(w.slot) }, value(w));
        },
      });
    perWorker(
      'consulta_sfu_worker_load',
      'Producers + consumers on each SFU worker (what placement balances)',
      (w) => w.load,
    );
    perWorker(
      'consulta_sfu_worker_consumers',
      'Consumers (media sent to a participant) on each SFU worker',
      (w) => sfu.of(w).consumers,
    );
    perWorker(
      'consulta_sfu_worker_producers',
      'Producers (media received from a participant) on each SFU worker',
      (w) => sfu.of(w).producers,
    );
    new Gauge({
      name: 'consulta_sfu_workers',
      help: 'Running SFU (mediasoup) workers',
      registers: [this.registry],
      collect() {
        this.set(media.workers.length);
      },
    });
    new Gauge({
      name: 'consulta_sfu_standby_rooms',
      help: 'SFU rooms held in warm standby for a waiting guest (built, nothing flowing)',
      registers: [this.registry],
      collect() {
        this.set(media.standbyRooms);
      },
    });
    new Gauge({
      name: 'consulta_recordings_running',
      help: 'Recordings being written now',
      registers: [this.registry],
      collect() {
        this.set(recordings.runningCount);
      },
    });
  }

  /** Counts each plan sent to a room (Rooms.observe). */
  readonly roomObserver: RoomObserver = {
    planChanged: (room) => {
      this.plans.inc({ topology: room.plan.topology });
      for (const reason of room.plan.reasons) this.planReasons.inc({ reason: reason.code });
    },
  };

  recordSocketOpened(): void {
    this.sockets.inc();
    this.socketsOpened.inc();
  }

  recordSocketClosed(): void {
    this.sockets.dec();
  }

  /** A signaling message's `type` (already known, or read from its raw text), counted under a bounded label. */
  recordMessage(direction: 'in' | 'out', type: string | undefined): void {
    const known = direction === 'in' ? clientTypes : serverTypes;
    this.messages.inc({ direction, type: type && known.has(type) ? type : 'invalid' });
  }

  recordError(transport: 'http' | 'websocket', code: string): void {
    this.errors.inc({ transport, code: errorCodes.has(code) ? code : 'other' });
  }

  recordTurnCredentials(): void {
    this.turnCredentials.inc();
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
