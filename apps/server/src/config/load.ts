import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Compile } from 'typebox/compile';
import { type AppConfig, ConfigSchema, type RawConfig } from './schema.ts';

/** Repository root: config paths such as varDir are relative to it. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const checker = Compile(ConfigSchema);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads infra/config through node-config (the only place that reads the environment for settings),
 * validates it, and fills generated secrets. `overrides` is merged on top (tests use it).
 */
export function loadConfig(overrides: DeepPartial<RawConfig> = {}): AppConfig {
  process.env.NODE_CONFIG_DIR ??= path.join(repoRoot, 'infra/config');
  process.env.SUPPRESS_NO_CONFIG_WARNING = 'y';
  // node-config is CommonJS and reads NODE_CONFIG_DIR when first required, hence the late require.
  let nodeConfig: { util: { toObject(): unknown } };
  let extendDeep: (target: object, ...sources: object[]) => unknown;
  try {
    const require = createRequire(import.meta.url);
    nodeConfig = require('config');
    // node-config's own deep merge (the `Util` it layers its files with), so overrides merge the same way.
    extendDeep = require('config/lib/util.js').Util.extendDeep;
  } catch (err) {
    throw new ConfigError(`Cannot read configuration: ${(err as Error).message}`);
  }
  // Overrides merge the way node-config merges its own layers (objects deeply, arrays and values replaced).
  const raw = extendDeep(structuredClone(nodeConfig.util.toObject()) as object, overrides) as RawConfig;
  return resolveConfig(raw);
}

/** Validates a raw config and resolves generated secrets and the public URL. */
export function resolveConfig(raw: RawConfig): AppConfig {
  if (!checker.Check(raw)) {
    const problems = [...checker.Errors(raw)]
      .slice(0, 10)
      .map((e) => `  ${e.instancePath || '/'}: ${e.message}`)
      .join('\n');
    throw new ConfigError(`Invalid configuration (infra/config, environment):\n${problems}`);
  }
  if (raw.redis.url && !raw.cluster.secret) {
    throw new ConfigError(
      'cluster.secret (CLUSTER_SECRET) is required with redis.url: it signs the messages between nodes',
    );
  }
  const varDir = path.resolve(repoRoot, raw.server.varDir);
  const secrets =
    raw.auth.cookieSecret && raw.turn.secret && raw.auth.totpKey ? null : generatedSecrets(varDir);
  return {
    ...raw,
    server: {
      ...raw.server,
      varDir,
      publicUrl: (raw.server.publicUrl ?? `http://localhost:${raw.server.port || 8080}`).replace(/\/$/, ''),
    },
    auth: {
      ...raw.auth,
      cookieSecret: raw.auth.cookieSecret ?? secrets!.cookieSecret,
      totpKey: raw.auth.totpKey ?? secrets!.totpKey,
    },
    turn: { ...raw.turn, secret: raw.turn.secret ?? secrets!.turnSecret },
  };
}

interface GeneratedSecrets {
  cookieSecret: string;
  turnSecret: string;
  totpKey: string;
}

function generatedSecrets(varDir: string): GeneratedSecrets {
  const file = path.join(varDir, 'secrets.json');
  const kept = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<GeneratedSecrets>)
    : null;
  const fresh = () => randomBytes(32).toString('base64url');
  const secrets = {
    cookieSecret: kept?.cookieSecret ?? fresh(),
    turnSecret: kept?.turnSecret ?? fresh(),
    // Added with staff accounts: an install whose secrets.json predates it gets the key added, the others kept.
    totpKey: kept?.totpKey ?? fresh(),
  };
  if (kept?.cookieSecret && kept.turnSecret && kept.totpKey) return secrets;
  mkdirSync(varDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
