import { Format } from 'typebox/format';

// String formats that accept only what the server can hold: the database (PostgreSQL cannot store NUL, rejects
// year 0) and JavaScript's Date (no leap seconds; 2024-02-30 silently becomes 1 March). Every timestamp and free
// text on the wire uses them, so a value either round-trips unchanged or is refused at the edge with a 400 — by
// construction, not by a patch per field. They are registered with TypeBox here (the browsers' and tests'
// validator) and handed to the server's ajv through `registerStorableFormats`.

/** RFC 3339 with 0–3 fractional digits and an explicit offset. */
const dateTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-](\d{2}):(\d{2}))$/i;

/** Years (UTC) every layer stores exactly: PostgreSQL has no year 0, and 4-digit years keep ISO strings simple. */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

/** A date-time that JavaScript, Prisma and PostgreSQL all hold exactly (millisecond precision). */
export function isStorableDateTime(value: string): boolean {
  const m = dateTime.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, , zone, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return false;
  if (zone?.toUpperCase() !== 'Z' && (Number(oh) > 23 || Number(om) > 59)) return false;
  // The day must exist in that month (Date would roll 2024-02-30 over into March).
  if (day > new Date(Date.UTC(2000, month, 0)).getUTCDate()) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) return false;
  const utcYear = new Date(t).getUTCFullYear();
  return utcYear >= MIN_YEAR && utcYear <= MAX_YEAR;
}

/**
 * One line of text a person typed (a name, a title): well-formed Unicode (no lone surrogates, which UTF-8
 * cannot encode) and no control characters (PostgreSQL cannot store NUL; the others only hide mischief).
 */
export function isStorableLine(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  return value.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(value);
}

/** Free text over several lines (chat): like a line, but tabs and line breaks are allowed. */
export function isStorableText(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  return value.isWellFormed() && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value);
}

/** Format names as they appear in the schemas (and in /openapi.json). */
export const StorableFormat = {
  DateTime: 'consulta-date-time',
  Line: 'consulta-line',
  Text: 'consulta-text',
} as const;

export const storableFormats: Record<string, (value: string) => boolean> = {
  [StorableFormat.DateTime]: isStorableDateTime,
  [StorableFormat.Line]: isStorableLine,
  [StorableFormat.Text]: isStorableText,
};

for (const [name, check] of Object.entries(storableFormats)) Format.Set(name, check);

/** Adds the formats to an ajv instance (fastify's validator): `ajv: { plugins: [registerStorableFormats] }`. */
export function registerStorableFormats<
  A extends { addFormat(name: string, f: { validate: (v: string) => boolean }): unknown },
>(ajv: A): A {
  for (const [name, validate] of Object.entries(storableFormats)) ajv.addFormat(name, { validate });
  return ajv;
}
