// Signaling relay throughput and latency: 200 WebSocket clients (100 rooms of two) on loopback against one server
// process (a child, so clients and server do not share a core's time slices more than the OS makes them).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { type BenchReport, percentile } from './report.ts';

const ROOMS = 100;
const LATENCY_RATE_PER_CLIENT = 10; // messages/s each client sends in the latency phase
const LATENCY_SECONDS = 5;
const BURST_PER_CLIENT = 500; // messages each client sends as fast as it can in the throughput phase

interface Setup {
  url: string;
  pairs: Array<{ consultationId: string; clinicianCookie: string; adminCookie: string }>;
}

interface Client {
  ws: WebSocket;
  self: string;
  peer: string;
  onSignal: (sentAt: number) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function connect(
  url: string,
  cookie: string,
  consultationId: string,
): Promise<{ ws: WebSocket; self: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { cookie } });
    ws.once('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', consultationId })));
    const onMessage = (raw: WebSocket.RawData) => {
      const m = JSON.parse(raw.toString());
      if (m.type === 'joined') {
        ws.off('message', onMessage);
        resolve({ ws, self: m.self.id });
      }
    };
    ws.on('message', onMessage);
  });
}

function signal(c: Client): void {
  const candidate = `candidate:bench ${performance.now()}`;
  c.ws.send(
    JSON.stringify({
      type: 'signal',
      to: c.peer,
      streamId: c.self,
      data: { kind: 'candidate', candidate: { candidate } },
    }),
  );
}

export default async function run(): Promise<BenchReport> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'support/signaling-server.ts'),
      String(ROOMS),
      String(port),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const setup = JSON.parse(line) as Setup;

    const clients: Client[] = [];
    for (const pair of setup.pairs) {
      const a = await connect(setup.url, pair.clinicianCookie, pair.consultationId);
      const b = await connect(setup.url, pair.adminCookie, pair.consultationId);
      clients.push(
        { ws: a.ws, self: a.self, peer: b.self, onSignal: () => {} },
        { ws: b.ws, self: b.self, peer: a.self, onSignal: () => {} },
      );
    }
    for (const c of clients) {
      c.ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString());
        if (m.type === 'signal') c.onSignal(Number(m.data.candidate.candidate.split(' ')[1]));
      });
    }

    // Phase 1: latency under a steady load.
    const latencies: number[] = [];
    for (const c of clients) c.onSignal = (t) => latencies.push(performance.now() - t);
    // Each client on its own clock, spread over the interval, so the load is steady rather than 200-message bursts.
    const interval = 1000 / LATENCY_RATE_PER_CLIENT;
    const ticks = LATENCY_SECONDS * LATENCY_RATE_PER_CLIENT;
    await Promise.all(
      clients.map(
        (c, i) =>
          new Promise<void>((resolve) => {
            setTimeout(
              () => {
                let tick = 0;
                const timer = setInterval(() => {
                  signal(c);
                  if (++tick >= ticks) {
                    clearInterval(timer);
                    resolve();
                  }
                }, interval);
              },
              (i * interval) / clients.length,
            );
          }),
      ),
    );
    await waitFor(() => latencies.length >= clients.length * ticks, 10_000);
    const steadyRate = clients.length * LATENCY_RATE_PER_CLIENT;

    // Phase 2: throughput, every client sending as fast as it can.
    let delivered = 0;
    const burstLatencies: number[] = [];
    for (const c of clients) {
      c.onSignal = (t) => {
        delivered++;
        burstLatencies.push(performance.now() - t);
      };
    }
    const started = performance.now();
    for (let i = 0; i < BURST_PER_CLIENT; i++) for (const c of clients) signal(c);
    const expected = BURST_PER_CLIENT * clients.length;
    await waitFor(() => delivered >= expected, 120_000);
    const seconds = (performance.now() - started) / 1000;
    const throughput = delivered / seconds;

    for (const c of clients) c.ws.close();
    const results = {
      clients: clients.length,
      rooms: ROOMS,
      steady: {
        offeredMsgPerSec: steadyRate,
        delivered: latencies.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: Math.max(...latencies),
      },
      burst: {
        messages: expected,
        seconds,
        msgPerSec: throughput,
        p50Ms: percentile(burstLatencies, 50),
        p99Ms: percentile(burstLatencies, 99),
      },
    };
    return {
      name: 'signaling',
      results,
      tables: [
        {
          title: `Signaling relay, ${clients.length} WebSocket clients in ${ROOMS} rooms, one server process, loopback`,
          columns: ['phase', 'offered msg/s', 'delivered', 'msg/s', 'p50 ms', 'p99 ms'],
          rows: [
            ['steady', steadyRate, latencies.length, steadyRate, results.steady.p50Ms, results.steady.p99Ms],
            ['saturating burst', '-', expected, throughput, results.burst.p50Ms, results.burst.p99Ms],
          ],
        },
      ],
    };
  } finally {
    child.kill('SIGTERM');
  }
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('benchmark timed out waiting for deliveries');
    await new Promise((r) => setTimeout(r, 20));
  }
}
