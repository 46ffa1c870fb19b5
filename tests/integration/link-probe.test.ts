// The link probe's routes (GET/POST /api/link-probe) against the real server: signed-in callers only; a download
// is exactly the bytes asked for and incompressible; an upload is counted and answered; more than the limit, the
// wrong content type or a bad size get typed errors; and an upload the client abandons mid-body leaves the server
// serving (that it is logged as the client's doing, not ours: apps/server/src/http/error-handler.test.ts).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LINK_PROBE_MAX_BYTES } from '@consulta/protocol';
import type { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let clinician: HttpClient;
before(async () => {
  server = await startTestServer();
  clinician = await server.signedIn('CLINICIAN');
});
after(() => server?.close());

const probe = (
  method: 'GET' | 'POST',
  query: string,
  body?: Uint8Array<ArrayBuffer>,
  type = 'application/octet-stream',
) =>
  fetch(`${server.url}/api/link-probe${query}`, {
    method,
    headers: { cookie: clinician.cookieHeader, ...(body ? { 'content-type': type } : {}) },
    ...(body ? { body } : {}),
  });

/** A probe upload by hand (node:http), announcing `length` bytes: the body is the caller's to send or not. */
function rawUpload(length: number) {
  const url = new URL(`${server.url}/api/link-probe`);
  return httpRequest({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: {
      cookie: clinician.cookieHeader,
      'content-type': 'application/octet-stream',
      'content-length': String(length),
    },
  });
}

/** A POST that announces `length` bytes of octet-stream and sends none: the server's answer to the headers. */
function announcedUpload(length: number): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const req = rawUpload(length);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          code: (JSON.parse(text) as { error: { code: string } }).error.code,
        });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

test('signed-in only', async () => {
  const res = await fetch(`${server.url}/api/link-probe?bytes=1000`);
  assert.equal(res.status, 401);
  assert.equal(await errorCode(res), 'UNAUTHENTICATED');
});

test('a download is the bytes asked for, random (no compression can make a link look faster)', async () => {
  const res = await probe('GET', '?bytes=200000');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), '200000');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.equal(bytes.length, 200_000);
  assert.ok(gzipSync(bytes).length > 0.95 * bytes.length, 'incompressible');
});

test('an upload is counted and timed; too large, wrong type or a bad size is a typed error', async () => {
  const ok = await probe('POST', '', new Uint8Array(100_000));
  assert.equal(ok.status, 200);
  const reply = (await ok.json()) as { bytes: number; ms: number };
  assert.equal(reply.bytes, 100_000);
  assert.ok(reply.ms >= 0);

  // Refused on its announced length, before the body is read (fetch would still be sending it when the answer
  // comes and the connection closes, so the request is made by hand and only announced).
  const tooLarge = await announcedUpload(LINK_PROBE_MAX_BYTES + 1);
  assert.equal(tooLarge.status, 413);
  assert.equal(tooLarge.code, 'MESSAGE_TOO_LARGE');
  const asJson = await probe('POST', '', new TextEncoder().encode('{"bytes":1}'), 'application/json');
  assert.equal(asJson.status, 400);
  assert.equal(await errorCode(asJson), 'VALIDATION_FAILED');
  for (const q of ['?bytes=0', `?bytes=${LINK_PROBE_MAX_BYTES + 1}`, '?bytes=ten', '']) {
    const bad = await probe('GET', q);
    assert.equal(bad.status, 400, q);
    assert.equal(await errorCode(bad), 'VALIDATION_FAILED', q);
  }
});

test('an upload abandoned mid-body: the server goes on serving', async () => {
  await new Promise<void>((resolve) => {
    const req = rawUpload(1_000_000);
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    // Half the announced body, then the client gives up.
    req.write(Buffer.alloc(500_000), () => setImmediate(() => req.destroy()));
  });
  const after = await probe('POST', '', new Uint8Array(10_000));
  assert.equal(after.status, 200, 'still serving');
});
