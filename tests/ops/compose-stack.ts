// Drives the real compose stack for tests/ops/compose-stack.test.ts: a Docker engine (scripts/docker-engine.sh),
// locally built base images, docker-compose 1.29 with a unique project name and free host ports, and an HTTPS
// client that trusts the stack's own Caddy CA.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../apps/server/src/config/index.ts';

export { repoRoot };

/**
 * coturn's relay range in the compose tests. Each allocation holds its port until it expires (the tests allocate
 * a dozen times over UDP, TCP and TLS, refused peers included), and coturn may also reserve the next port: 10
 * ports ran out once ("508 Cannot create socket").
 */
export const RELAY_PORTS = 40;

/** The compose tests' mail: an SMTP sink on the compose network, run from the repository's own node_modules. */
export const SMTP_SINK = {
  env: { SMTP_URL: 'smtp://smtp-sink:2525', EMAIL_FROM: 'Consulta <no-reply@consulta.test>' },
  override: `services:
  smtp-sink:
    image: node:20-bookworm-slim
    working_dir: ${repoRoot}
    command: ["node", "tests/ops/smtp-sink.mjs"]
    volumes:
      - ${repoRoot}:${repoRoot}:ro
  server:
    depends_on:
      - smtp-sink
`,
};

/** Runs a repository script, streaming its stderr into the test's output; throws on failure. */
export function runScript(script: string, args: string[] = [], env?: NodeJS.ProcessEnv): void {
  const result = spawnSync('bash', [path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
    ...(env ? { env } : {}),
  });
  if (result.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (${result.status})`);
}

export class ComposeProject {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'consulta-compose-stack-'));
  readonly envFile = path.join(this.dir, '.env');
  readonly overrideFile = path.join(this.dir, 'docker-compose.override.yml');

  constructor(
    readonly name: string,
    readonly env: Record<string, string>,
    override: string,
  ) {
    writeFileSync(
      this.envFile,
      `${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    writeFileSync(this.overrideFile, override);
  }

  /** The docker-compose options that select this project (for scripts that take them). */
  get options(): string[] {
    const files = ['-f', path.join(repoRoot, 'docker-compose.yml'), '-f', this.overrideFile];
    return ['-p', this.name, ...files, '--env-file', this.envFile];
  }

  /** A clean environment, so that only the project's .env file sets the compose file's variables. */
  readonly cleanEnv = { PATH: process.env.PATH, HOME: process.env.HOME, COMPOSE_HTTP_TIMEOUT: '600' };

  /** docker-compose with this project's files. */
  compose(
    args: string[],
    options: { allowFailure?: boolean; timeoutMs?: number } = {},
  ): SpawnSyncReturns<string> {
    const result = spawnSync('docker-compose', ['--ansi', 'never', ...this.options, ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: options.timeoutMs ?? 20 * 60_000,
      env: this.cleanEnv,
    });
    if (!options.allowFailure && result.status !== 0) {
      throw new Error(
        `docker-compose ${args.join(' ')} failed (${result.status}):\n${result.stderr.slice(-4000)}`,
      );
    }
    return result;
  }

  /**
   * `docker build --target <stage> -t <tag>` run the way docker-compose runs its builds (the `docker` on PATH, the
   * same environment), so both share one build cache: different docker clients send build contexts whose files
   * the daemon hashes differently, and every COPY would then miss the other's layers.
   */
  buildStage(target: string, tag: string): void {
    const result = spawnSync('docker', ['build', '--quiet', '--target', target, '-t', tag, repoRoot], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 20 * 60_000,
      env: this.cleanEnv,
    });
    if (result.status !== 0)
      throw new Error(`docker build --target ${target} failed:\n${result.stderr.slice(-4000)}`);
  }

  logs(service: string): string {
    return this.compose(['logs', '--no-color', service]).stdout;
  }

  exec(service: string, command: string[]): string {
    return this.compose(['exec', '-T', service, ...command]).stdout;
  }

  containerId(service: string): string {
    return this.compose(['ps', '-q', service]).stdout.trim();
  }

  /** Waits until the service's container reports healthy (its compose healthcheck). */
  async waitHealthy(service: string, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let status = '';
    while (Date.now() < deadline) {
      const id = this.containerId(service);
      if (id) {
        status = docker(['inspect', '-f', '{{.State.Health.Status}}', id]).stdout.trim();
        if (status === 'healthy') return;
      }
      await sleep(500);
    }
    throw new Error(
      `${service} not healthy after ${timeoutMs} ms (${status}):\n${this.logs(service).slice(-3000)}`,
    );
  }

  /** Volumes this project owns (compose labels them with the project name). */
  volumes(): string[] {
    const out = docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${this.name}`]);
    return out.stdout.split('\n').filter(Boolean);
  }

  cleanup(): void {
    this.compose(['down', '-v', '--remove-orphans'], { allowFailure: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function docker(args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync('/usr/bin/docker', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

async function portFree(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

/** `count` consecutive ports free on TCP and UDP (the media, TURN and relay ranges must be contiguous). */
export async function freePortBlock(count: number, taken: Set<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = !taken.has(p) && (await portFree(p));
    if (ok) {
      for (let p = base; p < base + count; p++) taken.add(p);
      return base;
    }
  }
  throw new Error(`no block of ${count} free ports`);
}

/** An HTTPS client with a cookie jar (one browser) that trusts exactly the given CA. */
export class HttpsClient {
  private readonly jar = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    readonly ca: string,
  ) {}

  get cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  request<T = unknown>(
    method: string,
    urlPath: string,
    body?: unknown,
  ): Promise<{
    status: number;
    body: T;
    headers: Record<string, string | string[] | undefined>;
    text: string;
  }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(urlPath, this.baseUrl),
        {
          method,
          ca: this.ca,
          headers: {
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
            ...(this.jar.size ? { cookie: this.cookieHeader } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => {
            for (const c of res.headers['set-cookie'] ?? []) {
              const pair = c.split(';')[0]!;
              const eq = pair.indexOf('=');
              const value = pair.slice(eq + 1);
              if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(pair.slice(0, eq));
              else this.jar.set(pair.slice(0, eq), value);
            }
            const isJson = String(res.headers['content-type'] ?? '').includes('json');
            resolve({
              status: res.statusCode ?? 0,
              body: (isJson && text ? JSON.parse(text) : undefined) as T,
              headers: res.headers,
              text,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  get = <T = unknown>(p: string) => this.request<T>('GET', p);
  post = <T = unknown>(p: string, body?: unknown) => this.request<T>('POST', p, body ?? {});
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
