import { createHash } from 'node:crypto';

// The audit chain hashes a canonical serialisation: JSON with object keys sorted at every depth, no whitespace,
// undefined members dropped (as JSON does). The same value always gives the same bytes, whatever the key order a
// caller or the database (JSONB reorders keys) produced, so a verifier recomputes exactly what the writer hashed.

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // Numbers, strings, booleans: JSON's own form. Non-finite numbers become null, as JSON does.
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
