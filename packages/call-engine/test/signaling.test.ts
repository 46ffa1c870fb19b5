// SignalingSocket against a scripted fake WebSocket: join on open, resume with the token after a drop,
// fall back to a fresh join when the place expired, and stop for good on final close codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ClientMessage, CloseCodes, closeAction, type ServerMessage } from '@consulta/protocol';
import { SignalingSocket } from '../src/index.ts';
import { pingVerdict } from '../src/signaling.ts';

class FakeSocket {
  static all: FakeSocket[] = [];
  readonly OPEN = 1;
  readyState = 0;
  sent: ClientMessage[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(code = 1000, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
  receive(m: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

const peer = {
  id: 'me',
  displayName: 'Me',
  role: 'PATIENT' as const,
  uplinkKbps: null,
  downlinkKbps: null,
  connected: true,
};
const joined = (resumed: boolean): ServerMessage => ({
  type: 'joined',
  consultationId: 'c1',
  self: peer,
  peers: [],
  plan: { version: 1, topology: 'p2p', quality: 'sd', reasons: [], edges: [] },
  resumeToken: 'tok-1',
  resumed,
  lobby: [],
});
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

test('joins, resumes after a drop, rejoins when the place expired, stops on a final close', async () => {
  FakeSocket.all = [];
  const conn = new SignalingSocket({
    url: 'ws://x/ws',
    consultationId: 'c1',
    reconnect: { initialDelayMs: 1, maxDelayMs: 2 },
    pingIntervalMs: 0,
    WebSocket: FakeSocket as unknown as typeof WebSocket,
  });
  const states: string[] = [];
  conn.on('state', (s) => states.push(s));
  conn.open();
  await tick();
  assert.deepEqual(FakeSocket.all[0]!.sent, [{ type: 'join', consultationId: 'c1' }]);
  FakeSocket.all[0]!.receive(joined(false));
  assert.equal(conn.resumeToken, 'tok-1');

  FakeSocket.all[0]!.close(1006, 'network');
  await tick(20);
  assert.equal(FakeSocket.all.length, 2);
  assert.deepEqual(FakeSocket.all[1]!.sent, [{ type: 'join', consultationId: 'c1', resumeToken: 'tok-1' }]);

  FakeSocket.all[1]!.receive({ type: 'error', code: 'RESUME_FAILED', message: 'expired', ref: 'join' });
  assert.equal(conn.resumeToken, null);
  assert.deepEqual(FakeSocket.all[1]!.sent.at(-1), { type: 'join', consultationId: 'c1' });

  FakeSocket.all[1]!.close(4001, 'replaced');
  await tick(20);
  assert.equal(FakeSocket.all.length, 2, 'no reconnect after a final close code');
  assert.equal(conn.state, 'closed');
  assert.deepEqual(states, ['connecting', 'open', 'reconnecting', 'open', 'closed']);
});

test('every close code of the protocol gets the behaviour its table entry promises', async () => {
  for (const [name, info] of Object.entries(CloseCodes)) {
    FakeSocket.all = [];
    const conn = new SignalingSocket({
      url: 'ws://x/ws',
      consultationId: 'c1',
      pingIntervalMs: 0,
      // A backoff long enough to tell "now" from "later" even on a loaded machine.
      reconnect: { initialDelayMs: 5000, maxDelayMs: 5000 },
      WebSocket: FakeSocket as unknown as typeof WebSocket,
    });
    const closes: Array<{ code: number; final: boolean }> = [];
    conn.on('close', (c) => closes.push({ code: c.code, final: c.final }));
    conn.open();
    await tick();
    FakeSocket.all[0]!.close(info.code, name);
    await tick(50);
    assert.deepEqual(closes, [{ code: info.code, final: info.client === 'final' }], name);
    if (info.client === 'final') {
      assert.equal(conn.state, 'closed', name);
      assert.equal(FakeSocket.all.length, 1, `${name}: no reconnect`);
    } else if (info.client === 'retry-now') {
      assert.equal(FakeSocket.all.length, 2, `${name}: reconnects at once`);
    } else {
      assert.equal(conn.state, 'reconnecting', name);
      assert.equal(FakeSocket.all.length, 1, `${name}: waits for the backoff`);
    }
    conn.close();
  }
  // Codes outside the table (a network failure's 1006, a proxy's own) are retried.
  assert.equal(closeAction(1006), 'retry');
  assert.equal(closeAction(1011), 'retry');
});

test('every join carries what the client has measured, so the first plan for it needs no second', async () => {
  FakeSocket.all = [];
  let measured: { uplinkKbps: number; downlinkKbps: number } | undefined;
  const conn = new SignalingSocket({
    url: 'ws://x/ws',
    consultationId: 'c1',
    reconnect: { initialDelayMs: 1, maxDelayMs: 2 },
    pingIntervalMs: 0,
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    bandwidthForJoin: () => measured,
  });
  conn.open();
  await tick();
  // Nothing measured yet: a plain join (the server plans with "unknown").
  assert.deepEqual(FakeSocket.all[0]!.sent, [{ type: 'join', consultationId: 'c1' }]);
  measured = { uplinkKbps: 8000, downlinkKbps: 30000 };
  FakeSocket.all[0]!.receive({ type: 'error', code: 'RESUME_FAILED', message: 'expired', ref: 'join' });
  assert.deepEqual(FakeSocket.all[0]!.sent.at(-1), {
    type: 'join',
    consultationId: 'c1',
    bandwidth: measured,
  });
  conn.close();
});

test('the ping timer drops a socket whose ping went unanswered, never one whose timer merely ran late', () => {
  const every = 10_000;
  // First tick on a fresh socket: a ping goes out.
  assert.equal(pingVerdict({ now: 10_000, every, lastPing: 0, lastPong: 0 }), 'ping');
  // Answered: the next tick pings again.
  assert.equal(pingVerdict({ now: 20_000, every, lastPing: 10_000, lastPong: 10_020 }), 'ping');
  // Unanswered one interval on: wait (the next tick decides); past an interval and a second: drop.
  assert.equal(pingVerdict({ now: 20_000, every, lastPing: 10_000, lastPong: 5 }), 'wait');
  assert.equal(pingVerdict({ now: 30_000, every, lastPing: 10_000, lastPong: 5 }), 'drop');
  // A hidden tab's timer fires 60 s late: the last pong is a minute old, but it answered the last ping.
  assert.equal(pingVerdict({ now: 80_000, every, lastPing: 10_000, lastPong: 10_020 }), 'ping');
});
