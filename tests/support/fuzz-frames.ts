// What a hostile client sends over the signaling socket: messages the protocol declares with hostile values (ids
// pointed at real people and rooms half of the time, so they reach the handlers), the same messages broken in one
// place, and frames that are not messages at all. Whether a frame is valid is the protocol's codec's verdict.
import { ClientMessage, decodeClientMessage } from '@consulta/protocol';
import fc from 'fast-check';
import { arbitraryOf } from './schema-arbitrary.ts';

export type Frame = { binary: false; text: string } | { binary: true; bytes: Uint8Array };

/** Fields naming something on the server: with a real id, a message reaches its handler's checks. */
const idFields = new Set([
  'consultationId',
  'participantId',
  'to',
  'recordingId',
  'transportId',
  'consumerId',
]);

/**
 * Frames are generated before the people they address exist, so a real id is a placeholder (`__id3__`, itself a
 * well-formed id) that `withIds` fills in just before the frame is sent.
 */
const placeholder = (slot: number) => `__id${slot}__`;

function withPlaceholders(value: unknown, slots: number, pick: number): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      idFields.has(k) && typeof v === 'string' ? placeholder(pick % slots) : v,
    ]),
  );
}

/** The frame with its placeholders replaced by the real ids (slot i by ids[i]). */
export function withIds(frame: Frame, ids: readonly string[]): Frame {
  if (frame.binary) return frame;
  return { binary: false, text: frame.text.replace(/__id(\d+)__/g, (p, i: string) => ids[Number(i)] ?? p) };
}

const message = (slots: number): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(arbitraryOf(ClientMessage), fc.boolean(), fc.nat())
    .map(([m, real, pick]) => (real ? withPlaceholders(m, slots, pick) : m) as Record<string, unknown>);

/** One declared message, broken in one place: a field dropped, added, or replaced by any JSON. */
const broken = (slots: number): fc.Arbitrary<unknown> =>
  fc
    .tuple(message(slots), fc.nat(), fc.constantFrom('drop', 'add', 'replace', 'retype'), fc.jsonValue())
    .map(([m, n, how, junk]) => {
      const keys = Object.keys(m);
      const key = keys[n % keys.length]!;
      const copy: Record<string, unknown> = { ...m };
      if (how === 'drop') delete copy[key];
      else if (how === 'add') copy[`x${n}`] = junk;
      else if (how === 'replace') copy[key] = junk;
      else copy.type = typeof junk === 'string' ? junk : `${String(m.type)}\u0000`;
      return copy;
    });

/** Frames that are not messages: not JSON, JSON of the wrong kind, prototype games, deep nesting, huge. */
const garbage = (maxBytes: number): fc.Arbitrary<Frame> =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ binary: false as const, text })),
    fc.jsonValue().map((v) => ({ binary: false as const, text: JSON.stringify(v) ?? 'null' })),
    fc
      .constantFrom(
        '',
        '{',
        '{"type":"join"',
        'null',
        '[]',
        '"join"',
        '{"type":null}',
        '{"__proto__":{"admin":true},"type":"ping","t":1}',
        '{"type":"__proto__"}',
        '{"type":"constructor","t":1}',
        '{"type":"ping","t":1e999}',
        '{"type":"join","consultationId":"a","consultationId":"b"}',
        `{"type":"join","consultationId":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
      )
      .map((text) => ({ binary: false as const, text })),
    fc
      .integer({ min: maxBytes + 1, max: maxBytes * 2 })
      .map((n) => ({ binary: false as const, text: `{"type":"chat","text":"${'a'.repeat(n)}"}` })),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ binary: true as const, bytes })),
  );

/**
 * Any frame a hostile client might send; `slots`: how many real ids `withIds` will fill in, `maxBytes`: the
 * server's signaling.maxMessageBytes.
 */
export const frames = (slots: number, maxBytes: number): fc.Arbitrary<Frame> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: message(slots).map((m) => ({ binary: false as const, text: JSON.stringify(m) })),
    },
    { weight: 2, arbitrary: broken(slots).map((m) => ({ binary: false as const, text: JSON.stringify(m) })) },
    { weight: 2, arbitrary: garbage(maxBytes) },
  );

/** The protocol's verdict on a frame, as the server's edge must reach it. */
export function isValidFrame(frame: Frame, maxBytes: number): boolean {
  if (frame.binary) return false;
  if (Buffer.byteLength(frame.text) > maxBytes) return false;
  return decodeClientMessage(frame.text).ok;
}

export const show = (frame: Frame): string =>
  frame.binary ? `<binary ${frame.bytes.length} bytes>` : JSON.stringify(frame.text.slice(0, 300));
