// Sends the `receive-latency` report every few seconds while joined and receiving: the server keeps the latest
// per member for the admin's live view, so a route that has grown slow in a real call shows there.
import type { ClientMessage } from '@consulta/protocol';
import { type LatencySource, ReceiveLatencyEstimator } from './receive-latency.ts';

export interface LatencyReporterOptions {
  send(message: ClientMessage): boolean;
  /** Every receiver of remote media now, with its stats. */
  sources(): Promise<LatencySource[]>;
  active(): boolean;
  intervalMs: number;
}

export class LatencyReporter {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly estimator = new ReceiveLatencyEstimator();

  constructor(private readonly o: LatencyReporterOptions) {}

  start(): void {
    if (this.timer) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy || !this.o.active()) return;
      busy = true;
      this.o
        .sources()
        .then((sources) => {
          const streams = this.estimator.observe(sources);
          if (streams.length > 0) this.o.send({ type: 'receive-latency', streams: streams.slice(0, 32) });
        })
        .catch(() => {}) // a connection closed while measuring: the next round has the new set
        .finally(() => {
          busy = false;
        });
    }, this.o.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
