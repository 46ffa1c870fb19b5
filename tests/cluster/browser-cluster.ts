// A cluster for browser tests, inside the loopback-only network namespace the browser tests run in
// (namespaced-suite.ts): a Redis of its own there (the machine's 127.0.0.1:6379 belongs to the outer namespace;
// keys under a per-run prefix all the same), a fresh database on the machine's PostgreSQL (through its unix
// socket, see postgres.ts), captured email, two server processes as nodes A and B, the call fixture page served on
// its own, and load balancers in front of the nodes as ops run them. A balancer tries the nodes in its own order,
// so a test places a user on a node by the balancer it gives them: `toA` prefers A (then B), `toB` prefers B
// (then A). Pages keep one URL while the node behind it dies or restarts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { RoomSnapshot } from '@consulta/protocol';
import { createStaffUser, openDatabase } from '@consulta/server';
import { Redis } from 'ioredis';
import type { GroupCallServices } from '../browser/fixture-group-call.ts';
import { fixtureTestPage } from '../browser/fixture-server.ts';
import { chromiumEngine } from '../support/browser-engine.ts';
import { launchChromium } from '../support/chromium.ts';
import { type PageServer, startPageServer } from '../support/page-server.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { type OwnRedis, startOwnRedis } from '../support/redis-server.ts';
import { freePort } from '../support/server.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { type SmtpCapture, startSmtpCapture } from '../support/smtp.ts';
import { backendOf, startTcpBalancer, type TcpBalancer } from '../support/tcp-balancer.ts';

export type NodeName = 'a' | 'b';

export interface BrowserCluster {
  smtp: SmtpCapture;
  /** A BrowserEngine on one Chromium: every page its own profile. */
  chromium: ReturnType<typeof chromiumEngine>;
  /** The fixture page behind each balancer. */
  pageUrl: { toA: string; toB: string };
  createClinician(name: string): Promise<{ email: string; password: string }>;
  /** What a FixtureGroupCall needs, with the page through `toA` unless a participant is given another URL. */
  groupCallServices(): GroupCallServices;
  /** The node's process, or null while it is down. */
  node(name: NodeName): ServerProcess | null;
  /** SIGKILL (a crash) or SIGTERM (a deploy's stop) and wait for the process to exit. */
  stop(name: NodeName, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts the node again in place: same NODE_ID, same port (the balancer's backend). */
  restart(name: NodeName): Promise<void>;
  /**
   * Cuts the node's link to Redis one way: nothing the node sends reaches Redis (its snapshot writes, its
   * publishes), what Redis sends still reaches it. `healRedis` drops what waited (the node is dead by then).
   */
  cutRedis(name: NodeName): void;
  healRedis(name: NodeName): void;
  /** The room's lease holder (node id), from Redis. */
  leaseHolder(consultationId: string): Promise<string | null>;
  /** The room's snapshot in Redis (which node each member is connected through). */
  snapshot(consultationId: string): Promise<RoomSnapshot | null>;
  /** Prints what every node process started so far logged (info level), for a failing test. */
  dumpNodes(): void;
  close(): Promise<void>;
}

export async function startBrowserCluster(): Promise<BrowserCluster> {
  const prefix = `consulta-test-${randomBytes(6).toString('hex')}:`;
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const ownRedis: OwnRedis = await startOwnRedis();
    cleanup.push(() => ownRedis.stop());
    const redis = new Redis(ownRedis.url, { keyPrefix: prefix });
    cleanup.push(async () => redis.disconnect());
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const prisma = await openDatabase({ url: db.url, dataDir: '' });
    cleanup.push(() => prisma.close());
    const smtp = await startSmtpCapture();
    cleanup.push(() => smtp.close());

    // Each node reaches Redis through a relay of its own, which a test can cut (a partition between them).
    const redisLinks = {} as Record<NodeName, TcpBalancer>;
    for (const name of ['a', 'b'] as const) {
      const relay = await startTcpBalancer({ backends: [backendOf(ownRedis.url)] });
      cleanup.push(() => relay.close());
      redisLinks[name] = relay;
    }
    const shared = {
      databaseUrl: db.url,
      redisKeyPrefix: prefix,
      cookieSecret: randomBytes(32).toString('hex'),
      config: { email: { smtpUrl: smtp.url } },
    };
    const ports: Record<NodeName, number> = { a: await freePort(), b: await freePort() };
    const nodes: Record<NodeName, ServerProcess | null> = { a: null, b: null };
    // Every process started, stopped ones included: a failure's story is often in the node that died.
    const started: Array<{ name: NodeName; process: ServerProcess }> = [];
    const start = async (name: NodeName) => {
      nodes[name] = await startServerProcess({
        ...shared,
        redisUrl: redisLinks[name].url.replace(/^http:/, 'redis:'),
        nodeId: `node-${name}`,
        port: ports[name],
        logLevel: 'info',
      });
      started.push({ name, process: nodes[name] });
    };
    cleanup.push(async () => {
      for (const n of Object.values(nodes)) await n?.close().catch(() => undefined);
    });
    // One after the other: the first applies the migrations, the second finds them applied.
    await start('a');
    await start('b');

    const page: PageServer = await startPageServer(fixtureTestPage('fixture'));
    cleanup.push(() => page.close());
    const backend = (name: NodeName) => backendOf(`http://127.0.0.1:${ports[name]}`);
    const balancer = async (order: NodeName[]): Promise<TcpBalancer> => {
      const lb = await startTcpBalancer({
        backends: order.map(backend),
        byPath: { prefix: page.prefix, backend: page.backend },
      });
      cleanup.push(() => lb.close());
      return lb;
    };
    const toA = await balancer(['a', 'b']);
    const toB = await balancer(['b', 'a']);

    const browser = await launchChromium();
    const chromium = chromiumEngine(browser);
    cleanup.push(() => chromium.close());

    let accounts = 0;
    const createClinician = async (name: string) => {
      const account = {
        email: `clinician${++accounts}@example.test`,
        password: `pw-${accounts}-correct-horse`,
      };
      await createStaffUser(prisma.prisma, { ...account, displayName: name, role: 'CLINICIAN' });
      return account;
    };
    const pageUrl = { toA: `${toA.url}${page.prefix}`, toB: `${toB.url}${page.prefix}` };
    return {
      smtp,
      chromium,
      pageUrl,
      createClinician,
      groupCallServices: () => ({
        smtp,
        engine: () => chromium,
        server: { pageUrl: pageUrl.toA, createClinician },
      }),
      node: (name) => nodes[name],
      async stop(name, signal) {
        const n = nodes[name];
        assert.ok(n, `node ${name} is running`);
        nodes[name] = null;
        if (signal === 'SIGTERM') await n.close();
        else await n.kill(signal);
      },
      restart: start,
      cutRedis: (name) => redisLinks[name].cut(),
      healRedis: (name) => redisLinks[name].heal(),
      async leaseHolder(consultationId) {
        return (await redis.get(`rooms:${consultationId}:lease`))?.split(' ')[0] ?? null;
      },
      async snapshot(consultationId) {
        const raw = await redis.get(`rooms:${consultationId}:state`);
        return raw ? (JSON.parse(raw) as RoomSnapshot) : null;
      },
      dumpNodes() {
        for (const [i, { name, process: p }] of started.entries()) {
          console.error(`--- node ${name} (process ${i + 1} of ${started.length}) ---\n${p.output()}`);
        }
      },
      close: () => closeAll(cleanup),
    };
  } catch (err) {
    await closeAll(cleanup);
    throw err;
  }
}

async function closeAll(cleanup: Array<() => Promise<unknown>>): Promise<void> {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
}
