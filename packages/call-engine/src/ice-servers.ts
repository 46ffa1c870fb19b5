// ICE servers from the Consulta server (`GET /api/turn/credentials`), renewed well before the TURN credentials
// expire so an ICE restart late in a long call still has valid ones.
import { createApiClient } from '@consulta/protocol';

export interface IceServerSourceOptions {
  serverUrl: string;
  fetch?: typeof fetch;
  /** New servers arrived (first fetch or renewal). */
  updated(servers: RTCIceServer[]): void;
  failed(message: string): void;
}

export class IceServerSource {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  servers: RTCIceServer[] = [];

  constructor(private readonly o: IceServerSourceOptions) {}

  async refresh(): Promise<void> {
    const doFetch = this.o.fetch ?? globalThis.fetch.bind(globalThis);
    const api = createApiClient({ fetch: doFetch, baseUrl: this.o.serverUrl, credentials: 'include' });
    try {
      const body = await api.turnCredentials();
      this.servers = body.iceServers.map((s) => ({
        urls: s.urls,
        ...(s.username ? { username: s.username } : {}),
        ...(s.credential ? { credential: s.credential } : {}),
      }));
      this.o.updated(this.servers);
      this.schedule(Math.max(30_000, body.ttlSeconds * 1000 * 0.8));
    } catch (err) {
      this.o.failed(`could not get ICE servers: ${String(err)}`);
      this.schedule(30_000);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = this.stopped ? null : setTimeout(() => void this.refresh(), ms);
  }
}
