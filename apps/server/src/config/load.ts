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
const masterKeysChecker = Compile(ConfigSchema.properties.recording.properties.masterKeys);

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
  const { oidc } = raw.auth;
  if (oidc.enabled && (!oidc.issuer || !oidc.clientId)) {
    throw new ConfigError(
      'auth.oidc.enabled needs auth.oidc.issuer and auth.oidc.clientId (OIDC_ISSUER, OIDC_CLIENT_ID)',
    );
  }
  const varDir = path.resolve(repoRoot, raw.server.varDir);
  const configuredKeys = raw.recording.masterKeys ?? masterKeysFromFile(raw.recording.masterKeyFile);
  if (configuredKeys) checkMasterKeys(configuredKeys);
  const secrets =
    raw.auth.cookieSecret && raw.turn.secret && raw.auth.totpKey && configuredKeys
      ? null
      : generatedSecrets(varDir);
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
    recording: { ...raw.recording, masterKeys: configuredKeys ?? secrets!.recordingMasterKeys },
  };
}

type MasterKeys = NonNullable<RawConfig['recording']['masterKeys']>;

/** Checked here so a bad key stops the server at boot with the key's name, like any other config mistake. */
function checkMasterKeys(keys: MasterKeys): void {
  for (const [id, key] of Object.entries(keys.keys)) {
    if (Buffer.from(key, 'base64').length !== 32) {
      throw new ConfigError(
        `recording.masterKeys: key "${id}" must be 32 bytes in base64 (openssl rand -base64 32)`,
      );
    }
  }
  if (!(keys.current in keys.keys)) {
    throw new ConfigError(`recording.masterKeys: current "${keys.current}" is not one of the keys`);
  }
}

/** A mounted key file (`{ current, keys }`), checked like the rest of the config; null when none is configured. */
function masterKeysFromFile(file: string | null): MasterKeys | null {
  if (!file) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.resolve(repoRoot, file), 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read recording.masterKeyFile ${file}: ${(err as Error).message}`);
  }
  if (parsed === null || !masterKeysChecker.Check(parsed)) {
    throw new ConfigError(
      `recording.masterKeyFile ${file} must hold { "current": id, "keys": { id: base64 } }`,
    );
  }
  return parsed as MasterKeys;
}

interface GeneratedSecrets {
  cookieSecret: string;
  turnSecret: string;
  totpKey: string;
  recordingMasterKeys: MasterKeys;
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
    // Added with recordings encrypted at rest; rotation: add a key under a new id and make it current.
    recordingMasterKeys: kept?.recordingMasterKeys ?? {
      current: 'k1',
      keys: { k1: randomBytes(32).toString('base64') },
    },
  };
  if (kept?.cookieSecret && kept.turnSecret && kept.totpKey && kept.recordingMasterKeys) return secrets;
  mkdirSync(varDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
