import { ClientMessage, ServerMessage } from './signaling.ts';

// Renders the signaling messages as Markdown for docs/protocol.md, from the schemas themselves, so the document
// cannot drift from the wire: a test regenerates it and compares.

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

/** The generated part of docs/protocol.md. */
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
