import { Compile } from 'typebox/compile';
import { ErrorCode } from './errors.ts';
import { ClientMessage, ServerMessage } from './signaling.ts';

const clientChecker = Compile(ClientMessage);
const serverChecker = Compile(ServerMessage);

export type DecodeResult<T> =
  | { ok: true; message: T }
  | { ok: false; code: typeof ErrorCode.MalformedMessage; message: string; ref?: string };

function decode<T>(
  raw: string,
  check: (v: unknown) => boolean,
  explain: (v: unknown) => string,
): DecodeResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: ErrorCode.MalformedMessage, message: 'Message is not valid JSON' };
  }
  if (check(value)) return { ok: true, message: value as T };
  const type = (value as { type?: unknown } | null)?.type;
  const ref = typeof type === 'string' ? type.slice(0, 64) : undefined;
  return { ok: false, code: ErrorCode.MalformedMessage, message: explain(value), ...(ref ? { ref } : {}) };
}

function firstError(errors: Iterable<{ instancePath: string; message: string }>): string {
  for (const e of errors) return `Invalid message at ${e.instancePath || '/'}: ${e.message}`;
  return 'Invalid message';
}

/** Parses and validates a client->server frame (the server's edge; also usable in tests). */
export function decodeClientMessage(raw: string): DecodeResult<ClientMessage> {
  return decode(
    raw,
    (v) => clientChecker.Check(v),
    (v) => firstError(clientChecker.Errors(v)),
  );
}

/** Parses and validates a server->client frame (the browser's edge). */
export function decodeServerMessage(raw: string): DecodeResult<ServerMessage> {
  return decode(
    raw,
    (v) => serverChecker.Check(v),
    (v) => firstError(serverChecker.Errors(v)),
  );
}

export const encodeMessage = (message: ClientMessage | ServerMessage): string => JSON.stringify(message);
