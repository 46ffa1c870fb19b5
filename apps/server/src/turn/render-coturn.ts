import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AppConfig, repoRoot } from '../config/index.ts';

export const coturnTemplatePath = path.join(repoRoot, 'infra/coturn/turnserver.conf.template');
export const coturnConfigPath = path.join(repoRoot, 'infra/coturn/turnserver.conf');

type CoturnSettings = AppConfig['turn']['coturn'];

/** Values that replace what the configuration says; tests use them to run coturn on free ports. */
export interface CoturnRenderOverrides extends Partial<CoturnSettings> {
  secret?: string;
  realm?: string;
  /** Default /var/tmp/turnserver.pid: writable both by root on a host and by the coturn image's `nobody`. */
  pidFile?: string;
  /** SQLite file coturn opens even though REST credentials never use it; null keeps coturn's default. */
  userDb?: string | null;
}

type TemplateValue = string | number | boolean | null | readonly string[];

/** Renders infra/coturn/turnserver.conf.template for `config.turn`, with `overrides` on top. */
export function renderCoturnConfig(config: AppConfig, overrides: CoturnRenderOverrides = {}): string {
  const { secret, realm, pidFile, userDb, ...coturnOverrides } = overrides;
  const c: CoturnSettings = { ...config.turn.coturn, ...definedOnly(coturnOverrides) };
  if (c.minPort > c.maxPort) {
    throw new Error(`turn.coturn.minPort (${c.minPort}) must not exceed turn.coturn.maxPort (${c.maxPort})`);
  }
  if (c.listeningPort >= c.minPort && c.listeningPort <= c.maxPort) {
    throw new Error(`turn.coturn.listeningPort (${c.listeningPort}) lies inside the relay port range`);
  }
  const tls = c.tlsListeningPort;
  if (tls !== null) {
    if (!c.tlsCertFile || !c.tlsKeyFile) {
      throw new Error(
        'turn.coturn.tlsListeningPort needs turn.coturn.tlsCertFile and turn.coturn.tlsKeyFile',
      );
    }
    if (tls === c.listeningPort) {
      throw new Error(`turn.coturn.tlsListeningPort (${tls}) must differ from turn.coturn.listeningPort`);
    }
    if (tls >= c.minPort && tls <= c.maxPort) {
      throw new Error(`turn.coturn.tlsListeningPort (${tls}) lies inside the relay port range`);
    }
  }
  const values: Record<string, TemplateValue> = {
    listeningIp: c.listeningIp,
    listeningPort: c.listeningPort,
    relayIp: c.relayIp,
    externalIp: c.externalIp,
    minPort: c.minPort,
    maxPort: c.maxPort,
    realm: realm ?? config.turn.realm,
    secret: secret ?? config.turn.secret,
    deniedPeerIp: c.deniedPeerRanges,
    allowLoopbackPeers: c.allowLoopbackPeers,
    tlsListeningPort: tls,
    tlsCertFile: tls === null ? null : c.tlsCertFile,
    tlsKeyFile: tls === null ? null : c.tlsKeyFile,
    noTls: tls === null,
    pidFile: pidFile ?? '/var/tmp/turnserver.pid',
    userDb: userDb ?? null,
  };
  return `${fillTemplate(readFileSync(coturnTemplatePath, 'utf8'), values)}\n`;
}

/** Renders and writes the file; the default mode keeps the embedded secret private to the owner. */
export function writeCoturnConfig(
  config: AppConfig,
  file: string = coturnConfigPath,
  mode = 0o600,
  overrides: CoturnRenderOverrides = {},
): string {
  const text = renderCoturnConfig(config, overrides);
  writeFileSync(file, text, { mode });
  return file;
}

function fillTemplate(template: string, values: Record<string, TemplateValue>): string {
  const out: string[] = [];
  for (const line of template.split('\n')) {
    if (line.startsWith('##')) continue;
    const flag = /^\{\{\?(\w+)\}\}/.exec(line);
    if (flag) {
      if (lookup(values, flag[1]!, 'boolean') === true) out.push(line.slice(flag[0].length));
      continue;
    }
    const names = [...line.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);
    if (names.length === 0) {
      out.push(line);
      continue;
    }
    if (names.length > 1) throw new Error(`coturn template: one placeholder per line: ${line}`);
    const name = names[0]!;
    const value = lookup(values, name);
    const items = Array.isArray(value) ? value : value === null ? [] : [String(value)];
    for (const item of items) out.push(line.replace(`{{${name}}}`, checkedValue(name, item)));
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd();
}

function lookup(values: Record<string, TemplateValue>, name: string, type?: 'boolean'): TemplateValue {
  if (!Object.hasOwn(values, name)) throw new Error(`coturn template: unknown placeholder {{${name}}}`);
  const value = values[name]!;
  if (type && typeof value !== type) throw new Error(`coturn template: {{?${name}}} needs a boolean`);
  return value;
}

// coturn reads one option per line and splits on whitespace, so such characters would either truncate the value
// or smuggle in further options.
function checkedValue(name: string, value: string): string {
  if (value === '' || /[\s#"']/.test(value)) {
    throw new Error(`turn setting for {{${name}}} must be non-empty without whitespace, quotes or '#'`);
  }
  return value;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
