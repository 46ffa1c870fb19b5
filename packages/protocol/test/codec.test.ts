import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeClientMessage, decodeServerMessage, ErrorCode, encodeMessage } from '../src/index.ts';

describe('signaling codec', () => {
  test('accepts a well-formed signal message', () => {
    const raw = encodeMessage({
      type: 'signal',
      to: 'peer-b',
      streamId: 'peer-a',
      data: { kind: 'description', description: { type: 'offer', sdp: 'v=0\r\n' } },
    });
    const result = decodeClientMessage(raw);
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.message.type, 'signal');
  });

  test('rejects non-JSON with a typed error', () => {
    const result = decodeClientMessage('{not json');
    assert.deepEqual(result, {
      ok: false,
      code: ErrorCode.MalformedMessage,
      message: 'Message is not valid JSON',
    });
  });

  test('rejects unknown types and extra fields, naming the offending type', () => {
    const unknown = decodeClientMessage(JSON.stringify({ type: 'hack', x: 1 }));
    assert.equal(unknown.ok, false);
    assert.equal(!unknown.ok && unknown.ref, 'hack');
    const extra = decodeClientMessage(JSON.stringify({ type: 'ping', t: 1, admin: true }));
    assert.equal(extra.ok, false);
  });

  test('rejects a server-only message sent by a client', () => {
    const result = decodeClientMessage(JSON.stringify({ type: 'consultation-ended', consultationId: 'c1' }));
    assert.equal(result.ok, false);
  });

  test('validates field contents, not just shape', () => {
    assert.equal(
      decodeClientMessage(JSON.stringify({ type: 'bandwidth', uplinkKbps: -5, downlinkKbps: 1 })).ok,
      false,
    );
    assert.equal(decodeClientMessage(JSON.stringify({ type: 'join', consultationId: '../etc' })).ok, false);
    assert.equal(decodeClientMessage(JSON.stringify({ type: 'chat', text: '' })).ok, false);
  });

  test('decodes server messages on the client side', () => {
    const raw = encodeMessage({ type: 'pong', t: 1, serverTime: 2 });
    assert.deepEqual(decodeServerMessage(raw), { ok: true, message: { type: 'pong', t: 1, serverTime: 2 } });
    assert.equal(decodeServerMessage(JSON.stringify({ type: 'pong' })).ok, false);
  });
});

describe('codec errors name what is wrong with the message that was meant', () => {
  test('a bad field of a known type is explained against that type, with the type as ref', () => {
    const result = decodeClientMessage(
      JSON.stringify({ type: 'bandwidth', uplinkKbps: 100, downlinkKbps: 100, receiveLossPercent: 140 }),
    );
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.ref, 'bandwidth');
    assert.match(!result.ok ? result.message : '', /^Invalid 'bandwidth' message at \/receiveLossPercent: /);
  });

  test('an extra property is explained too', () => {
    const result = decodeClientMessage(JSON.stringify({ type: 'ping', t: 1, admin: true }));
    assert.equal(!result.ok && result.message, "Invalid 'ping' message at /admin: unexpected property");
    assert.doesNotMatch(!result.ok ? result.message : '', /consultationId/);
  });

  test('unknown and missing types', () => {
    const unknown = decodeClientMessage(JSON.stringify({ type: 'hack' }));
    assert.equal(!unknown.ok && unknown.message, 'Unknown message type');
    const none = decodeServerMessage(JSON.stringify({ t: 1 }));
    assert.deepEqual(none, { ok: false, code: ErrorCode.MalformedMessage, message: 'Message has no type' });
  });
});
