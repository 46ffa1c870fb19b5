// mediasoup workers (one process each), each with a WebRtcServer so every WebRTC transport of that worker shares
// one UDP and one TCP port (what firewalls and compose open). A worker that dies is replaced in the same slot,
// on the same port; the pool tells its owner, which moves the rooms that lived there.
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/index.ts';
import { loadMediasoup, type Ms, type Router, type WebRtcServer, type Worker } from './mediasoup.ts';

export interface PooledWorker {
  /** Slot in the pool; the WebRtcServer port is basePort + slot. */
  readonly slot: number;
  readonly worker: Worker;
  readonly webRtcServer: WebRtcServer;
  /** Producers + consumers on this worker's routers (pipes and recorder transports included). */
  load: number;
}

type MediaConfig = AppConfig['media'];

export class WorkerPool {
  private readonly slots: Array<PooledWorker | null>;
  private closed = false;
  /** Called after a worker died, with its replacement (null if none could be started). */
  onReplaced: (dead: PooledWorker, fresh: PooledWorker | null) => void = () => {};

  private constructor(
    private readonly ms: Ms,
    private readonly config: MediaConfig,
    private readonly log: FastifyBaseLogger,
    count: number,
  ) {
    this.slots = new Array(count).fill(null);
  }

  /** Starts every worker; throws (after closing those that started) if any cannot start. */
  static async start(config: MediaConfig, log: FastifyBaseLogger): Promise<WorkerPool> {
    const ms = await loadMediasoup();
    const count = config.numWorkers === 0 ? os.cpus().length : config.numWorkers;
    const pool = new WorkerPool(ms, config, log, count);
    try {
      for (let slot = 0; slot < count; slot++) pool.slots[slot] = await pool.spawn(slot);
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }

  get workers(): PooledWorker[] {
    return this.slots.filter((w): w is PooledWorker => w !== null);
  }

  /** The worker with the least load, other than `except` when there is another. */
  leastLoaded(except?: PooledWorker): PooledWorker | undefined {
    const live = this.workers;
    const others = live.filter((w) => w !== except);
    const pick = others.length > 0 ? others : live;
    return pick.reduce<PooledWorker | undefined>(
      (best, w) => (!best || w.load < best.load ? w : best),
      undefined,
    );
  }

  /** The pooled worker a router lives on. */
  ownerOf(router: Router): PooledWorker | undefined {
    return this.workers.find((w) => w.worker === routerWorker.get(router));
  }

  /** Creates a router on `w`, counting the producers and consumers its transports get into `w.load`. */
  async createRouter(w: PooledWorker, mediaCodecs: Parameters<Worker['createRouter']>[0]): Promise<Router> {
    const router = await w.worker.createRouter(mediaCodecs);
    routerWorker.set(router, w.worker);
    router.observer.on('newtransport', (transport) => {
      const count = (o: { observer: { once(e: 'close', f: () => void): unknown } }) => {
        w.load++;
        o.observer.once('close', () => {
          w.load--;
        });
      };
      transport.observer.on('newproducer', count);
      transport.observer.on('newconsumer', count);
    });
    return router;
  }

  close(): void {
    this.closed = true;
    for (const w of this.workers) w.worker.close();
    this.slots.fill(null);
  }

  private async spawn(slot: number): Promise<PooledWorker> {
    const c = this.config;
    const worker = await this.ms.createWorker({
      logLevel: c.workerLogLevel,
      ...(c.workerBin ? { workerBin: c.workerBin } : {}),
    });
    try {
      const port = c.webRtcServerBasePort === 0 ? undefined : c.webRtcServerBasePort + slot;
      const announcedAddress = c.announcedAddress ?? undefined;
      const listen = (protocol: 'udp' | 'tcp') => ({
        protocol,
        ip: c.listenIp,
        ...(announcedAddress ? { announcedAddress } : {}),
        ...(port !== undefined ? { port } : {}),
      });
      const webRtcServer = await worker.createWebRtcServer({ listenInfos: [listen('udp'), listen('tcp')] });
      const pooled: PooledWorker = { slot, worker, webRtcServer, load: 0 };
      worker.on('died', (err) => this.died(pooled, err));
      this.log.info({ workerPid: worker.pid, slot, port: port ?? 'any' }, 'mediasoup worker started');
      return pooled;
    } catch (err) {
      worker.close();
      throw err;
    }
  }

  private died(dead: PooledWorker, err: Error): void {
    if (this.closed || this.slots[dead.slot] !== dead) return;
    this.slots[dead.slot] = null;
    this.log.error(
      { err, workerPid: dead.worker.pid, slot: dead.slot },
      'mediasoup worker died; replacing it',
    );
    this.spawn(dead.slot).then(
      (fresh) => {
        if (this.closed) {
          fresh.worker.close();
          return;
        }
        this.slots[dead.slot] = fresh;
        this.log.warn({ workerPid: fresh.worker.pid, slot: dead.slot }, 'mediasoup worker replaced');
        this.onReplaced(dead, fresh);
      },
      (spawnErr) => {
        this.log.error({ err: spawnErr, slot: dead.slot }, 'could not replace a dead mediasoup worker');
        this.onReplaced(dead, null);
      },
    );
  }
}

/** Which worker created a router (mediasoup does not expose it). */
const routerWorker = new WeakMap<Router, Worker>();
