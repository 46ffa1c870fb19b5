// The server as an operating-system process of its own (apps/server/src/server.ts, as `npm start` and the
// container run it), configured only through its environment. Several of them on one PostgreSQL database and one
// Redis are a cluster: what they share goes through Redis, nothing through this process's memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './server.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  url: string;
  /** SIGTERM and wait for the exit (a clean shutdown). */
  close(): Promise<void>;
  /** Sends `signal` (SIGKILL: a crash) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Everything it printed so far (for a failing test's message). */
  output(): string;
}

export async function startServerProcess(options: {
  databaseUrl: string;
  /** Omitted: one process on its own, rooms in its memory (the default deployment). */
  redisUrl?: string;
  redisKeyPrefix?: string;
  cookieSecret: string;
  /** Signs node-to-node messages; the same on every node of a cluster (default: derived from cookieSecret). */
  clusterSecret?: string;
  /** Kept by this process under its name (NODE_ID), so tests can tell nodes apart. */
  nodeId?: string;
  /** Listen here (default: a free port); a node restarted in place keeps its address behind the balancer. */
  port?: number;
  /** Settings beyond the environment variables', as node-config's NODE_CONFIG JSON. */
  config?: Record<string, unknown>;
  /** What it logs (default `warn`); `output()` keeps all of it. */
  logLevel?: 'warn' | 'info' | 'debug';
}): Promise<ServerProcess> {
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'consulta-process-'));
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/server.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: options.logLevel ?? 'warn',
      DATABASE_URL: options.databaseUrl,
      ...(options.redisUrl
        ? {
            REDIS_URL: options.redisUrl,
            REDIS_KEY_PREFIX: options.redisKeyPrefix ?? 'consulta:',
            CLUSTER_SECRET: options.clusterSecret ?? `cluster-${options.cookieSecret}`,
          }
        : {}),
      COOKIE_SECRET: options.cookieSecret,
      ...(options.nodeId ? { NODE_ID: options.nodeId } : {}),
      // No SFU: these processes are for HTTP, and mediasoup workers would only cost the machine's two cores.
      NODE_CONFIG: JSON.stringify({ server: { varDir }, media: { enabled: false }, ...options.config }),
    },
  });
  let output = '';
  const up = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Consulta is running at')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`server process exited (${code}) before it was up:\n${output}`)),
    );
  });
  await up;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url,
    async close() {
      child.kill('SIGTERM');
      await exited;
      await rm(varDir, { recursive: true, force: true });
    },
    async kill(signal) {
      child.kill(signal);
      await exited;
      await rm(varDir, { recursive: true, force: true });
    },
    output: () => output,
  };
}
