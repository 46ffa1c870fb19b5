import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { ErrorCode } from './errors.ts';
import { ClientMessage, ServerMessage } from './signaling.ts';

export type DecodeResult<T> =
  | { ok: true; message: T }
  | { ok: false; code: typeof ErrorCode.MalformedMessage; message: string; ref?: string };

interface Checker {
  Check(v: unknown): boolean;
  Errors(v: unknown): Iterable<{ instancePath: string; message: string }>;
}

/**
 * A union of messages tagged on `type`: one checker for the whole union, and one per variant to explain a
 * failure. The union's own errors name its first variant ("must have required properties consultationId" for
 * a bad `bandwidth`); the sender needs to hear what is wrong with the message it meant to send.
 */
function tagged(union: { anyOf: TSchema[] }): { all: Checker; byType: Map<string, Checker> } {
  const byType = new Map<string, Checker>();
  for (const variant of union.anyOf) {
    const literal = (variant as { properties?: { type?: { const?: unknown } } }).properties?.type?.const;
    if (typeof literal === 'string') byType.set(literal, Compile(variant));
  }
  return { all: Compile(union as TSchema), byType };
}

const client = tagged(ClientMessage);
const server = tagged(ServerMessage);

function decode<T>(raw: string, checkers: ReturnType<typeof tagged>): DecodeResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: ErrorCode.MalformedMessage, message: 'Message is not valid JSON' };
  }
  if (checkers.all.Check(value)) return { ok: true, message: value as T };
  const type = (value as { type?: unknown } | null)?.type;
  const ref = typeof type === 'string' ? type.slice(0, 64) : undefined;
  const variant = typeof type === 'string' ? checkers.byType.get(type) : undefined;
  const message = variant
    ? firstError(`Invalid '${type}' message`, variant.Errors(value))
    : ref
      ? 'Unknown message type'
      : 'Message has no type';
  return { ok: false, code: ErrorCode.MalformedMessage, message, ...(ref ? { ref } : {}) };
}

function firstError(what: string, errors: Iterable<{ instancePath: string; message: string }>): string {
  for (const e of errors) {
    // typebox reports a property that `additionalProperties: false` forbids as its subschema being `false`.
    const reason = e.message === 'schema is false' ? 'unexpected property' : e.message;
    return `${what} at ${e.instancePath || '/'}: ${reason}`;
  }
  return what;
}

/** Parses and validates a client->server frame (the server's edge; also usable in tests). */
export const decodeClientMessage = (raw: string): DecodeResult<ClientMessage> => decode(raw, client);

/** Parses and validates a server->client frame (the browser's edge). */
export const decodeServerMessage = (raw: string): DecodeResult<ServerMessage> => decode(raw, server);

export const encodeMessage = (message: ClientMessage | ServerMessage): string => JSON.stringify(message);
