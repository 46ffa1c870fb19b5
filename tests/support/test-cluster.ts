// Several server processes as the nodes of one cluster (docs/cluster.md), for the tests/cluster files: a database
// of their own on the local PostgreSQL, staff accounts in it, an SMTP capture, and Redis keys under a prefix of
// their own (dropped afterwards) on the machine's shared Redis unless the test brings its own.
import { randomBytes } from 'node:crypto';
import { createStaffUser, openDatabase } from '@consulta/server';
import { createTestDatabase } from './postgres.ts';
import { dropRedisPrefix, REDIS_URL } from './redis-prefix.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';
import { startSmtpCapture } from './smtp.ts';

export interface StaffAccount {
  email: string;
  password: string;
  displayName: string;
  role: 'CLINICIAN' | 'ADMIN';
}

export interface TestClusterOptions {
  staff: StaffAccount[];
  /** node-config for every node, beside the SMTP capture's URL (which the cluster sets). */
  config?: Record<string, unknown>;
  /** A Redis of the test's own (it can then pause or kill it): its keys are not dropped. */
  redis?: { url: string; prefix: string };
  /** Nodes started at once, one after the other (the first applies the migrations): `node-<name>`. */
  nodes?: string[];
}

type Database = Awaited<ReturnType<typeof openDatabase>>;
type SmtpCapture = Awaited<ReturnType<typeof startSmtpCapture>>;

export class TestCluster {
  /** The running nodes by name; a test that kills one deletes it. */
  readonly nodes: Record<string, ServerProcess | undefined> = {};

  private constructor(
    readonly db: Awaited<ReturnType<typeof createTestDatabase>>,
    readonly database: Database,
    readonly smtp: SmtpCapture,
    readonly prefix: string,
    private readonly ownRedis: boolean,
    private readonly shared: Parameters<typeof startServerProcess>[0],
  ) {}

  static async start(options: TestClusterOptions): Promise<TestCluster> {
    const db = await createTestDatabase();
    const database = await openDatabase({ url: db.url, dataDir: '' });
    const smtp = await startSmtpCapture();
    for (const account of options.staff) await createStaffUser(database.prisma, account);
    const prefix = options.redis?.prefix ?? `consulta-test-${randomBytes(6).toString('hex')}:`;
    const config = options.config ?? {};
    const email = (config.email as Record<string, unknown> | undefined) ?? {};
    const cluster = new TestCluster(db, database, smtp, prefix, options.redis !== undefined, {
      databaseUrl: db.url,
      redisUrl: options.redis?.url ?? REDIS_URL,
      redisKeyPrefix: prefix,
      cookieSecret: randomBytes(32).toString('hex'),
      config: { ...config, email: { ...email, smtpUrl: smtp.url } },
    });
    for (const name of options.nodes ?? ['a', 'b']) await cluster.startNode(name);
    return cluster;
  }

  /** The named node, which must be running. */
  node(name: string): ServerProcess {
    const node = this.nodes[name];
    if (!node) throw new Error(`node-${name} is not running`);
    return node;
  }

  async startNode(name: string): Promise<ServerProcess> {
    const node = await startServerProcess({ ...this.shared, nodeId: `node-${name}` });
    this.nodes[name] = node;
    return node;
  }

  /** Kills a node (SIGKILL or SIGTERM) and forgets it. */
  async kill(name: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const node = this.node(name);
    delete this.nodes[name];
    await node.kill(signal);
  }

  async close(): Promise<void> {
    for (const node of Object.values(this.nodes)) await node?.close().catch(() => undefined);
    await this.smtp.close();
    await this.database.close();
    await this.db.drop();
    if (!this.ownRedis) await dropRedisPrefix(this.prefix);
  }
}
