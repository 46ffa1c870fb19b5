import type { MediaService } from '../media/index.ts';

type PooledWorker = MediaService['workers'][number];

/** Producers and consumers alive on one mediasoup worker. */
export interface WorkerUsage {
  producers: number;
  consumers: number;
}

/**
 * Counts producers and consumers per mediasoup worker through mediasoup's observer events (worker → router →
 * transport → producer/consumer, each one's `close`), the monitoring API mediasoup provides for this, so the SFU's
 * code needs no counters of its own. Workers are attached when first seen, which covers replacements after a
 * worker died: `attach` runs at every scrape.
 */
export class SfuUsage {
  private readonly byWorker = new WeakMap<PooledWorker['worker'], WorkerUsage>();

  attach(workers: readonly PooledWorker[]): void {
    for (const { worker } of workers) {
      if (this.byWorker.has(worker)) continue;
      const usage: WorkerUsage = { producers: 0, consumers: 0 };
      this.byWorker.set(worker, usage);
      worker.observer.on('newrouter', (router) => {
        router.observer.on('newtransport', (transport) => {
          transport.observer.on('newproducer', (producer) => {
            usage.producers++;
            producer.observer.once('close', () => usage.producers--);
          });
          transport.observer.on('newconsumer', (consumer) => {
            usage.consumers++;
            consumer.observer.once('close', () => usage.consumers--);
          });
        });
      });
    }
  }

  of(worker: PooledWorker): WorkerUsage {
    return this.byWorker.get(worker.worker) ?? { producers: 0, consumers: 0 };
  }
}
