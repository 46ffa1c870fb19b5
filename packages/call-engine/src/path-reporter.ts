// Tells the server which route each connection's media takes (the `media-path` message): polls the selected
// candidate pair of every live connection and reports a connection when its pair first appears or changes. The
// server keeps these in the consultation's media-path record (docs/health-data.md).
import type { ClientMessage, MediaLinkKind, SelectedPair } from '@consulta/protocol';
import { selectedPairOf } from './selected-pair.ts';
import { statsWithin } from './stats.ts';

export interface ReportableConnection {
  /** Stable per connection (a link key, or the SFU transport's epoch and direction). */
  key: string;
  link: MediaLinkKind;
  peerId: string | null;
  streamId: string | null;
  getStats(): Promise<RTCStatsReport>;
}

export interface PathReporterOptions {
  send(message: ClientMessage): boolean;
  connections(): ReportableConnection[];
  /** How often pairs are read; a pair settles within a second or two of connecting. */
  intervalMs?: number;
}

export class PathReporter {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly reported = new Map<string, string>();
  private polling = false;

  constructor(private readonly o: PathReporterOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.o.intervalMs ?? 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.reported.clear();
  }

  /** After a resume the server may have restarted: report every connection again. */
  forget(): void {
    this.reported.clear();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const live = this.o.connections();
      const keys = new Set(live.map((c) => c.key));
      for (const k of [...this.reported.keys()]) if (!keys.has(k)) this.reported.delete(k);
      for (const c of live) {
        let pair: SelectedPair | null;
        try {
          pair = selectedPairOf(await statsWithin(c));
        } catch {
          continue; // closed while we asked
        }
        if (!pair) continue;
        const text = JSON.stringify(pair);
        if (this.reported.get(c.key) === text) continue;
        const sent = this.o.send({
          type: 'media-path',
          link: c.link,
          peerId: c.peerId,
          streamId: c.streamId,
          pair,
        });
        if (sent) this.reported.set(c.key, text);
      }
    } finally {
      this.polling = false;
    }
  }
}
