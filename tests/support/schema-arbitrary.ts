// fast-check arbitraries derived from the protocol's own TypeBox (JSON Schema) definitions, so the fuzz tests
// follow every message and body the protocol declares, including ones added later, without a second copy of them.
// Values aim at the schema's edges and at what breaks storage and rendering (NUL, lone surrogates, bidi
// overrides, leap seconds, year 0, the largest integers); whether a value is valid is decided afterwards by the
// protocol's own checker, never by this file.
import fc from 'fast-check';

/** The JSON Schema keywords TypeBox emits for the protocol's types. */
interface Schema {
  type?: string;
  const?: unknown;
  enum?: readonly unknown[];
  anyOf?: readonly Schema[];
  properties?: Record<string, Schema>;
  required?: readonly string[];
  patternProperties?: Record<string, Schema>;
  propertyNames?: { maxLength?: number };
  items?: Schema;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** Snippets that have broken servers before: storage (NUL, surrogates), rendering (bidi), injection, parsing. */
export const hostileSnippets = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\u2028',
  '\u007f',
  '\u001b[2J',
  '\r\n',
  '\t',
  'e\u0301',
  '💥',
  '\'; DROP TABLE "User"; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, literally.
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'toString',
] as const;

/** Instants at and beyond what the storable date-time format allows (formats.ts). */
export const edgeInstants = [
  '2024-06-30T23:59:60Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+01:00',
  '0001-01-01T00:00:00-14:00',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59-01:00',
  '2024-02-29T12:00:00+14:00',
  '2023-02-29T09:00:00Z',
  '2024-02-30T09:00:00Z',
  '2024-01-01T00:00:00.1234Z',
  '2024-01-01t00:00:00z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T00:00:00+24:00',
  '+275760-09-13T00:00:00Z',
  '1970-01-01T00:00:00Z',
] as const;

const hostileText = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...hostileSnippets), minLength: min, maxLength: Math.min(max, 8) }),
    fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 40) }),
    fc.string({ unit: 'binary', minLength: min, maxLength: Math.min(max, 40) }),
    // Exactly at and just past the declared length.
    fc
      .constantFrom(...new Set([max, max + 1].filter((n) => n >= 0 && n <= 70_000)))
      .map((n) => 'a'.repeat(n)),
  );

const idChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'.split('');

function stringOf(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 300;
  if (s.format === 'consulta-date-time')
    return fc.oneof(
      fc.constantFrom(...edgeInstants),
      fc
        .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z') })
        .filter((d) => !Number.isNaN(d.getTime()))
        .map((d) => d.toISOString()),
    );
  if (s.format === 'email')
    return fc.oneof(
      fc.emailAddress(),
      hostileText(0, 60).map((t) => `${t}@example.test`),
    );
  if (s.pattern === '^[A-Za-z0-9_-]+$')
    return fc.oneof(
      fc.string({ unit: fc.constantFrom(...idChars), minLength: min, maxLength: Math.min(max, 40) }),
      fc.constant('a'.repeat(max)),
      hostileText(0, max),
    );
  return hostileText(min, max);
}

function integerOf(s: Schema): fc.Arbitrary<number> {
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -(2 ** 31));
  const max = s.maximum ?? 2 ** 31;
  return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max, min - 1, max + 1));
}

/** An arbitrary for values shaped by `schema`: mostly valid, with hostile strings and edge numbers. */
export function arbitraryOf(schema: unknown): fc.Arbitrary<unknown> {
  const s = schema as Schema;
  if ('const' in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map(arbitraryOf));
  switch (s.type) {
    case 'string':
      return stringOf(s);
    case 'integer':
      return integerOf(s);
    case 'number':
      return fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(0, -0, Number.MAX_VALUE, Number.MIN_VALUE, 1e308),
      );
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(s.items ? arbitraryOf(s.items) : fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 });
    case 'object': {
      if (s.properties) {
        const model = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, arbitraryOf(v)]));
        return fc.record(model, { requiredKeys: [...(s.required ?? [])] });
      }
      // A record (mediasoup's parameter objects): keys up to and past their declared length.
      const maxKey = s.propertyNames?.maxLength ?? 64;
      return fc.dictionary(
        fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('k'.repeat(maxKey), 'k'.repeat(maxKey + 1))),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 4 },
      );
    }
    default:
      // Unknown (no constraint): any JSON.
      return fc.jsonValue({ maxDepth: 2 });
  }
}
