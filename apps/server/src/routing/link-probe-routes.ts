import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ErrorCode, LINK_PROBE_MAX_BYTES, Routes } from '@consulta/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requirePrincipal } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { serveRoute } from '../http/serve-route.ts';
import { waitWords } from '../limits/index.ts';

/** How long a probe download may make no progress before its connection is dropped. */
const PROBE_STALL_MS = 10_000;

/** Random, so no compression on the way can make a link look faster than it is; shared by every download. */
const PAYLOAD = randomBytes(64 * 1024);

/**
 * The link probe (see @consulta/protocol link-probe.ts): signed-in users and invited guests only, a bounded
 * transfer per request and a bounded number of requests per person in any minute, so it cannot be used to flood.
 */
export const linkProbeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admit = async (request: FastifyRequest) => {
    const p = requirePrincipal(request);
    const verdict = await ctx.limits.linkProbe.hit(p.kind === 'staff' ? p.userId : p.participantId);
    if (!verdict.ok) {
      throw new AppError(
        ErrorCode.RateLimited,
        `Too many link probes; try again in ${waitWords(verdict.retryAfterSeconds)}`,
      );
    }
  };

  serveRoute(app, Routes.linkProbeDownload, async (request, reply) => {
    await admit(request);
    // A download whose client vanished mid-transfer (a link that went down, a tab closed behind a NAT that never
    // passed its reset on) would hold its socket, and a server shutdown waiting for it, until TCP gives up after
    // many minutes: seen in the network lab as a test server that would not close. A probe lasts seconds, so
    // nothing moving for PROBE_STALL_MS ends the connection.
    request.raw.socket.setTimeout(PROBE_STALL_MS, () => request.raw.socket.destroy());
    const { bytes } = request.query;
    let left = bytes;
    const body = Readable.from(
      (function* () {
        while (left > 0) {
          const n = Math.min(left, PAYLOAD.length);
          left -= n;
          yield n === PAYLOAD.length ? PAYLOAD : PAYLOAD.subarray(0, n);
        }
      })(),
    );
    return reply
      .header('cache-control', 'no-store')
      .header('content-length', String(bytes))
      .type('application/octet-stream')
      .send(body);
  });

  // The body is counted and timed as it arrives, never kept.
  app.addContentTypeParser(
    'application/octet-stream',
    { bodyLimit: LINK_PROBE_MAX_BYTES },
    (request, payload, done) => {
      // Refused on its announced length before any of it is read: fastify checks a body limit against
      // content-length only for the bodies it reads itself, and this parser reads the stream.
      if (Number(request.headers['content-length'] ?? 0) > LINK_PROBE_MAX_BYTES) {
        done(new AppError(ErrorCode.MessageTooLarge, 'The probe is larger than allowed'), undefined);
        return;
      }
      let bytes = 0;
      let first = 0;
      payload.on('data', (chunk: Buffer) => {
        if (bytes === 0) first = performance.now();
        bytes += chunk.length;
        if (bytes > LINK_PROBE_MAX_BYTES)
          payload.destroy(new AppError(ErrorCode.MessageTooLarge, 'The probe is larger than allowed'));
      });
      payload.on('end', () => done(null, { bytes, ms: bytes > 0 ? performance.now() - first : 0 }));
      payload.on('error', (err) => done(err, undefined));
    },
  );
  serveRoute(app, Routes.linkProbeUpload, async (request) => {
    await admit(request);
    // Only what this file's parser counted: any other body (JSON with a `bytes` field, say) is not a probe.
    const octets =
      (request.headers['content-type'] ?? '').split(';')[0]?.trim() === 'application/octet-stream';
    const received = request.body as unknown as { bytes: number; ms: number } | undefined;
    if (!octets || !received || typeof received.bytes !== 'number' || typeof received.ms !== 'number') {
      throw new AppError(ErrorCode.ValidationFailed, 'Send the probe as application/octet-stream');
    }
    return { bytes: received.bytes, ms: Math.round(received.ms * 10) / 10 };
  });
};
