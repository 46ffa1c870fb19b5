// Fuzzing every REST route of the protocol's route table against a real server with fast-check: path parameters,
// queries and bodies from the routes' own schemas with hostile values (or pointing at real consultations, people
// and invites), bodies broken or not JSON at all, oversized, mislabelled, sent as every kind of caller (nobody, a
// clinician, an admin, an admitted guest, a waiting guest). Asserts no 500, and that every error is the protocol's
// error body with the status its code maps to and a code the route declares. Sign-out is left to the signaling
// fuzz, which follows what it ends. Bounded: fixed seed (FUZZ_SEED overrides) and run count.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ErrorCode, httpStatusOf, type RouteSpec, Routes } from '@consulta/protocol';
import fc from 'fast-check';
import { createConsultation } from '../support/consultation.ts';
import { closeCast, setUpCast } from '../support/fuzz-cast.ts';
import type { HttpClient } from '../support/http.ts';
import { arbitraryOf, hostileSnippets } from '../support/schema-arbitrary.ts';
import { serverWithMail } from '../support/server-with-mail.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);

after(async () => {
  // No crash: after everything, the server still answers its health check (this hook is registered before
  // serverWithMail's, and after hooks run in order, so the server is still up).
  assert.equal((await fetch(`${env.server.url}${Routes.health.path}`)).status, 200);
});
const env = serverWithMail({
  // The limits have tests of their own; here they would only answer 429 to everything after a while.
  auth: { signInLimits: { perAddress: { max: 1_000_000, windowSeconds: 60 } } },
  invites: { openRateLimit: { max: 1_000_000, windowSeconds: 60 } },
});

const routes = Object.entries(Routes).filter(([name]) => name !== 'signOut') as Array<[string, RouteSpec]>;
/**
 * Percent-encodes like encodeURIComponent, but also what it refuses: a lone surrogate goes out as its WTF-8 bytes
 * (%ED%A0%80), which is exactly the kind of input a server must refuse politely.
 */
function pct(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff)
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** The route's path with its parameters and query filled in (protocol's routeUrl, with `pct` for hostile text). */
function urlOf(route: RouteSpec, params: Record<string, string>, query?: Record<string, string>): string {
  const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => pct(params[name] ?? ''));
  const qs = Object.entries(query ?? {})
    .map(([k, v]) => `${pct(k)}=${pct(v)}`)
    .join('&');
  return qs ? `${path}?${qs}` : path;
}

const codes = new Set<string>(Object.values(ErrorCode));
/** Answered by any route: a body or query the schema refuses, a limit, a body over the size limit. */
const anyRoute = [ErrorCode.ValidationFailed, ErrorCode.RateLimited, ErrorCode.MessageTooLarge];

/** A path parameter: a real id (slot), the schema's own values, or path tricks. */
const param = (schema: unknown) =>
  fc.oneof(
    fc.nat(6).map((slot) => ({ slot })),
    arbitraryOf(schema).map((value) => ({ value: String(value) })),
    fc.constantFrom('..', '.', '%2e%2e', 'a/b', '', ' ', ...hostileSnippets).map((value) => ({ value })),
  );

type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; text: string; type: string }
  | { kind: 'bytes'; bytes: Uint8Array };

const body = (route: RouteSpec): fc.Arbitrary<Body | undefined> => {
  if (route.body === undefined) return fc.constant(undefined);
  if (route.body === 'bytes')
    return fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ kind: 'bytes', bytes }));
  return fc.oneof(
    { weight: 4, arbitrary: arbitraryOf(route.body).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ kind: 'json' as const, value })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('{', '{"email":', 'null', '[]', '', 'x'.repeat(2 * 1024 * 1024)),
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        )
        .map(([text, type]) => ({ kind: 'raw' as const, text, type })),
    },
  );
};

const call = fc.constantFrom(...routes).chain(([name, route]) =>
  fc.record({
    name: fc.constant(name),
    route: fc.constant(route),
    caller: fc.nat(4),
    params: fc.record(
      Object.fromEntries(
        Object.entries(
          (route.params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
        ).map(([k, v]) => [k, param(v)]),
      ),
    ),
    query: route.query ? arbitraryOf(route.query) : fc.constant(undefined),
    body: body(route),
  }),
);

test('REST fuzz: no 500, every error typed and declared', async () => {
  const cast = await setUpCast(env.server, env.smtp);
  const admin = await env.server.signedIn('ADMIN');
  const elsewhere = (await createConsultation(await env.server.signedIn('CLINICIAN'), 'Elsewhere')).id;
  const ids = [
    cast.consultationId,
    cast.clinician.participantId,
    cast.admitted.participantId,
    cast.waiting.participantId,
    cast.admitted.inviteId!,
    cast.waiting.inviteId!,
    elsewhere,
  ];
  const callers: Array<HttpClient | null> = [
    null,
    cast.clinician.http,
    admin,
    cast.admitted.http,
    cast.waiting.http,
  ];
  await fc.assert(
    fc.asyncProperty(call, async (c) => {
      const params = Object.fromEntries(
        Object.entries(c.params).map(([k, p]) => [k, 'slot' in p ? ids[p.slot % ids.length]! : p.value]),
      );
      const query = c.query
        ? Object.fromEntries(Object.entries(c.query as object).map(([k, v]) => [k, String(v)]))
        : undefined;
      const caller = callers[c.caller];
      const headers: Record<string, string> = caller ? { cookie: caller.cookieHeader } : {};
      let payload: string | Blob | null = null;
      if (c.body?.kind === 'json') {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(c.body.value) ?? 'null';
      } else if (c.body?.kind === 'raw') {
        headers['content-type'] = c.body.type;
        payload = c.body.text;
      } else if (c.body?.kind === 'bytes') {
        headers['content-type'] = 'application/octet-stream';
        payload = new Blob([new Uint8Array(c.body.bytes)]);
      }
      const url = `${env.server.url}${urlOf(c.route, params, query)}`;
      const res = await fetch(url, { method: c.route.method, headers, body: payload });
      const text = await res.text();
      const what = `${c.route.method} ${url.slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
      assert.notEqual(res.status, 500, what);
      if (res.status < 400) return;
      const err = (JSON.parse(text) as { error?: { code?: string; message?: unknown } }).error;
      assert.ok(
        err && codes.has(err.code ?? '') && typeof err.message === 'string',
        `untyped error: ${what}`,
      );
      assert.equal(res.status, httpStatusOf[err.code as ErrorCode], `status and code disagree: ${what}`);
      assert.ok(
        [...c.route.errors, ...anyRoute].includes(err.code as ErrorCode) ||
          // A path trick ('a/b', '') that matches no route at all is the router's 404.
          (err.code === ErrorCode.NotFound && String(err.message).startsWith('No route')),
        `${c.name} answered ${err.code}, which it does not declare: ${what}`,
      );
    }),
    { seed: SEED, numRuns: 250, endOnFailure: true },
  );
  await closeCast(cast);
});
