// A signaling socket that keeps every frame the server sent, raw, in order, for tests that judge the whole
// conversation afterwards (the fuzz tests): was every frame on the protocol, did anything arrive after a
// session ended. SignalingClient takes messages off a queue instead, which suits scripted scenarios.
import WebSocket from 'ws';

export interface Received {
  raw: string;
  /** The frame parsed as JSON, or undefined when it was not JSON (itself a failure for the tests). */
  json: unknown;
}

export class RecordingSocket {
  readonly received: Received[] = [];
  readonly closed: Promise<number>;
  closeCode: number | null = null;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const raw = isBinary ? `<binary ${(data as Buffer).length} bytes>` : data.toString();
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      this.received.push({ raw, json });
      for (const l of this.listeners) l();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
        for (const l of this.listeners) l();
      }),
    );
  }

  /** Opens a socket with a browser's cookies; resolves once open (a refused socket opens, then is closed). */
  static open(baseUrl: string, cookie: string): Promise<RecordingSocket> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, {
      headers: cookie ? { cookie } : {},
    });
    const client = new RecordingSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(data: string | Uint8Array): void {
    if (this.isOpen) this.socket.send(data);
  }

  /**
   * Waits until a frame from index `from` on matches, and returns its index; null when the socket closes first.
   * Rejects after `timeoutMs`: the server neither answered nor closed (generous: a loaded CI machine once took
   * over 5 s to admit a guest while setting up the cast).
   */
  waitFor(match: (json: unknown) => boolean, from = 0, timeoutMs = 30_000): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const i = this.received.findIndex((r, n) => n >= from && match(r.json));
        if (i >= 0) resolve(i);
        else if (this.closeCode !== null) resolve(null);
        else return false;
        return true;
      };
      if (check()) return;
      const listener = () => {
        if (check()) done();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no answer within ${timeoutMs} ms; last frames: ${this.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  tail(n = 5): string {
    return this.received
      .slice(-n)
      .map((r) => r.raw.slice(0, 200))
      .join(' | ');
  }

  close(): Promise<number> {
    this.socket.close();
    return this.closed;
  }
}
