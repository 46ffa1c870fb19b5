import { describeCloseCodes } from './close-codes.ts';
import { ErrorCode, httpStatusOf } from './errors.ts';
import { PlanReasonCodes } from './plan.ts';
import type { RouteSpec } from './route.ts';
import { Routes } from './routes.ts';
import { ClientMessage, ServerMessage } from './signaling.ts';

// Renders the wire as Markdown for docs/protocol.md — messages, close codes, REST routes, error and reason codes —
// from the definitions themselves, so the document cannot drift from the wire: a test regenerates it and compares.

type Schema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  items?: Schema;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
};

function typeOf(s: Schema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array' && s.items) return `${wrap(typeOf(s.items))}[]`;
  if (s.type === 'object' && s.properties) {
    const fields = Object.entries(s.properties).map(
      ([k, v]) => `${k}${s.required?.includes(k) ? '' : '?'}: ${typeOf(v)}`,
    );
    return `{ ${fields.join(', ')} }`;
  }
  const limits = [
    s.format,
    s.minimum !== undefined ? `≥${s.minimum}` : '',
    s.maximum !== undefined ? `≤${s.maximum}` : '',
    s.maxLength !== undefined ? `≤${s.maxLength} chars` : '',
  ].filter(Boolean);
  return `${String(s.type)}${limits.length ? ` (${limits.join(', ')})` : ''}`;
}

const wrap = (t: string) => (t.includes(' ') ? `(${t})` : t);

function table(union: { anyOf: Schema[] }): string {
  const rows = union.anyOf.map((variant) => {
    const name = String(variant.properties?.type?.const);
    const fields = Object.entries(variant.properties ?? {})
      .filter(([k]) => k !== 'type')
      .map(([k, v]) => `\`${k}${variant.required?.includes(k) ? '' : '?'}\`: ${typeOf(v)}`)
      .join('<br>');
    return `| \`${name}\` | ${fields || '–'} |`;
  });
  return ['| type | fields |', '| --- | --- |', ...rows].join('\n');
}

function routes(): string {
  const rows = (Object.entries(Routes) as [string, RouteSpec][]).map(
    ([name, r]) =>
      `| \`${r.method} ${r.path}\` | \`${name}\` | ${r.access} | ${r.summary} | ${r.errors.map((e) => `\`${e}\``).join(' ') || '–'} |`,
  );
  return ['| route | client method | who | what | errors |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

function errors(): string {
  const rows = Object.values(ErrorCode).map((code) => `| \`${code}\` | ${httpStatusOf[code]} |`);
  return ['| code | HTTP status |', '| --- | --- |', ...rows].join('\n');
}

/** Every generated section of docs/protocol.md, by marker name. */
export function describeProtocol(): Record<string, string> {
  return {
    signaling: describeSignaling(),
    'close-codes': `${describeCloseCodes()}\n`,
    routes: `${routes()}\n`,
    errors: `${errors()}\n`,
    reasons: `${PlanReasonCodes.map((c) => `\`${c}\``).join(', ')}\n`,
  };
}

/** The generated message tables of docs/protocol.md. */
export function describeSignaling(): string {
  return [
    '### Client to server',
    '',
    table(ClientMessage as unknown as { anyOf: Schema[] }),
    '',
    '### Server to client',
    '',
    table(ServerMessage as unknown as { anyOf: Schema[] }),
    '',
  ].join('\n');
}
