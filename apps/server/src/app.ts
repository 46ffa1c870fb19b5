import path from 'node:path';
import { CloseCode, registerStorableFormats, storableFormats } from '@consulta/protocol';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { accountRoutes } from './account/routes.ts';
import { auditRoutes } from './audit/routes.ts';
import { auditVerifyRoutes } from './audit/verify-routes.ts';
import { type Principal, resolvePrincipal } from './auth/principal.ts';
import { authRoutes } from './auth/routes.ts';
import { SessionRegistry } from './auth/session-registry.ts';
import { Sessions } from './auth/sessions.ts';
import { SignInGuard } from './auth/sign-in-guard.ts';
import { TotpSecrets } from './auth/totp.ts';
import { BackgroundTasks } from './background.ts';
import { ClusterNode, localRoomCommands } from './cluster/index.ts';
import type { AppConfig } from './config/index.ts';
import { PresenceRecord } from './consultations/presence.ts';
import { consultationRoutes } from './consultations/routes.ts';
import type { AppContext } from './context.ts';
import type { PrismaClient } from './db/index.ts';
import { createMailer, type Mailer } from './email/mailer.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health.ts';
import { landingRoutes } from './http/landing.ts';
import { sameOriginGuard } from './http/same-origin-guard.ts';
import { turnRoutes } from './http/turn-routes.ts';
import { webApps } from './http/web-apps.ts';
import { inviteRoutes } from './invites/routes.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { SlidingLimit } from './limits/index.ts';
import { MediaService } from './media/index.ts';
import { installMetrics, ServerMetrics } from './metrics/index.ts';
import { Keyring } from './recording/at-rest/index.ts';
import { recordingRoutes } from './recording/routes.ts';
import { RecordingService } from './recording/service.ts';
import { SfuRecorder } from './recording/sfu-recorder.ts';
import { connectRedis } from './redis.ts';
import { linkProbeRoutes } from './routing/link-probe-routes.ts';
import { PolicyRoutePlanner } from './routing/policy-route-planner.ts';
import { hardFrameLimit, Rooms, signalingRoutes } from './signaling/index.ts';
import { staffRoutes } from './staff/routes.ts';
import { MediaPathLog } from './trail/media-path-log.ts';
import { RetentionSweeper } from './trail/retention.ts';
import { retentionRoutes } from './trail/retention-routes.ts';
import { trailRoutes } from './trail/routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AppDeps {
  config: AppConfig;
  prisma: PrismaClient;
  /** Tests may pass their own; otherwise built from config (SMTP or the outbox). */
  mailer?: Mailer;
}

/** The whole HTTP + WebSocket application, unstarted. server.ts listens; tests inject or listen on port 0. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, prisma } = deps;
  const app = Fastify({
    logger: { level: config.server.logLevel },
    trustProxy: config.server.trustProxy,
    bodyLimit: 64 * 1024,
    // A whole request must arrive within 30 s (fastify's default is no limit, Node's own 5 min): a client that
    // stalls mid-body (a link probe upload cut off on a lossy link, or a slowloris) would otherwise hold its
    // connection, and a server shutdown that waits for it, forever. Bodies are 64 KiB, link-probe uploads are
    // budgeted to seconds; WebSockets are past their upgrade and not affected.
    requestTimeout: 30_000,
    // Also bounds each close hook: preClose finalises running recordings (FFmpeg's flush, sealing the file), which
    // takes seconds and more on a loaded host; fastify's 10 s default aborted that shutdown under CI load
    // (recording.test.ts, AVV_ERR_READY_TIMEOUT) and left the recording unfinished.
    pluginTimeout: 60_000,
    // Reject unknown properties instead of silently stripping them: a client sending them has a bug to hear about.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true },
      // Timestamps and free text accept only what the database and Date hold (packages/protocol/src/formats.ts).
      plugins: [registerStorableFormats],
    },
    // The reply serialiser validates unions with an ajv of its own: it needs the same formats.
    serializerOpts: { ajv: { formats: storableFormats } },
    // Errors the router raises before any route runs (a path that is not valid percent-encoded UTF-8, such as a
    // lone surrogate's %ED%A0%80) get the protocol's error body too, not fastify's own.
    frameworkErrors: (error, request, reply) => errorHandler(error, request, reply),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const mailer =
    deps.mailer ??
    createMailer({
      smtpUrl: config.email.smtpUrl,
      from: config.email.from,
      outboxDir: path.join(config.server.varDir, 'outbox'),
      log: app.log,
    });
  // Redis only in cluster mode (redis.url set): shared limits now, shared rooms with several nodes.
  const redis = config.redis.url ? await connectRedis(config.redis, app.log) : null;
  const sessions = new Sessions(prisma, new SessionRegistry());
  const queue = new KeyedQueue();
  // The SFU starts first: whether it runs decides what the routing policy may choose.
  const media = await MediaService.start(config.media, app.log);
  let cluster: ClusterNode | null = null;
  const rooms = new Rooms({
    // A cluster node writes a room's snapshot after every change (docs/cluster.md).
    ...(redis
      ? {
          changing: (id: string) => cluster?.ownership.begin(id),
          changed: (id: string) => cluster?.persist(id) ?? Promise.resolve(),
        }
      : {}),
    prisma,
    presence: new PresenceRecord(prisma),
    queue,
    log: app.log,
    reconnectGraceMs: config.signaling.reconnectGraceSeconds * 1000,
    relayLossMs: config.signaling.relayLossSeconds * 1000,
    relayBrokenMs: config.signaling.relayBrokenSeconds * 1000,
    rebalanceIntervalMs: config.routing.rebalanceIntervalSeconds * 1000,
    planner: new PolicyRoutePlanner(config.routing, () => media.available),
  });
  const recordings = new RecordingService({
    prisma,
    rooms,
    queue,
    log: app.log,
    dir: path.resolve(config.server.varDir, config.recording.dir),
    consentTimeoutMs: config.recording.consentTimeoutSeconds * 1000,
    recorder: media.available
      ? new SfuRecorder(media, rooms, {
          ffmpegPath: config.recording.ffmpegPath,
          portRange: { min: config.media.rtcMinPort, max: config.media.rtcMaxPort },
          log: app.log,
          videoLayer: config.recording.videoLayer,
          keyring: new Keyring(config.recording.masterKeys),
        })
      : null,
    refreshMedia: (consultationId, participantId) => media.refreshMember(consultationId, participantId),
  });
  // Recording first: it closes a newcomer's media gate before the SFU offers them a session.
  rooms.observe(recordings);
  rooms.observe(media);
  const metrics = new ServerMetrics({ rooms, media, recordings });
  rooms.observe(metrics.roomObserver);
  const mediaPaths = new MediaPathLog(
    prisma,
    config.media.announcedAddress ?? config.media.listenIp,
    app.log,
  );
  rooms.observe(mediaPaths);
  const ctx: AppContext = {
    config,
    prisma,
    mailer,
    sessions,
    rooms,
    roomCommands: localRoomCommands(rooms),
    cluster: null,
    recordings,
    media,
    mediaPaths,
    signInGuard: new SignInGuard(config.auth.signInLimits, redis),
    secondFactorGuard: new SignInGuard(config.auth.signInLimits, redis, 'second-factor'),
    totpSecrets: new TotpSecrets(config.auth.totpKey),
    background: new BackgroundTasks(),
    metrics,
    limits: {
      inviteOpenByAddress: new SlidingLimit(
        'invite-open',
        config.invites.openRateLimit.max,
        config.invites.openRateLimit.windowSeconds,
        redis,
      ),
      // One probe is a few parallel requests per direction; a client probes at join and when its link degrades.
      linkProbe: new SlidingLimit('link-probe', 40, 60, redis),
      accountLinks: new SlidingLimit(
        'account-links',
        config.auth.accountLinkLimit.max,
        config.auth.accountLinkLimit.windowSeconds,
        redis,
      ),
    },
  };

  if (redis) {
    cluster = await ClusterNode.start({ config, redis, ctx, log: app.log });
    ctx.cluster = cluster;
    ctx.roomCommands = cluster.commands;
  }

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  // Shutting down: sockets get the documented "going away" code (clients reconnect and resume), not ws's bare
  // close. Added before @fastify/websocket so it runs before that plugin's own preClose.
  // A cluster node first hands its rooms over and closes its sockets with 4503 (reconnect now, elsewhere).
  app.addHook('preClose', async () => {
    // Recordings are finalised first, while the SFU still carries their media and before a cluster node hands
    // its rooms over: recording does not move between nodes, so the room's next owner must find it ended (a
    // recording it finds running in a snapshot is one whose node crashed, and is marked failed).
    await recordings.shutdown();
    await cluster?.drain();
    for (const client of app.websocketServer?.clients ?? []) {
      client.close(CloseCode.ServerGoingAway, 'server shutting down');
    }
  });

  // External plugins.
  await app.register(fastifyCookie, { secret: config.auth.cookieSecret });
  await app.register(fastifyWebsocket, {
    options: { maxPayload: hardFrameLimit(config.signaling.maxMessageBytes) },
    // Socket-level errors are the client's doing (oversized or broken frames, abrupt disconnects): worth a note,
    // not an error-level alert.
    errorHandler: (error, socket, request) => {
      request.log.info({ err: error }, 'signaling socket closed on a protocol error');
      socket.terminate();
    },
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Consulta API',
        version: '0.1.0',
        description: 'REST API of Consulta. Signaling: see docs/protocol.md.',
      },
    },
  });

  if (config.metrics.enabled) installMetrics(app, metrics, { token: config.metrics.token });

  // Application.
  app.decorateRequest('principal', null);
  // Cross-site request forgery: state-changing API calls from another site's page are refused (SameSite=Lax
  // cookies already stay home on cross-site POSTs; this also covers same-site subdomains and old browsers).
  app.addHook('onRequest', sameOriginGuard(config.server.publicUrl));
  app.addHook('onRequest', async (request) => {
    request.principal = await resolvePrincipal(prisma, request);
  });
  for (const routes of [
    healthRoutes,
    landingRoutes,
    authRoutes,
    accountRoutes,
    staffRoutes,
    consultationRoutes,
    inviteRoutes,
    auditRoutes,
    auditVerifyRoutes,
    trailRoutes,
    retentionRoutes,
    turnRoutes,
    linkProbeRoutes,
    recordingRoutes,
    signalingRoutes,
  ]) {
    await app.register(routes, { ctx });
  }
  await app.register(webApps);
  // The retention job runs while the server serves (every node may: each deletion locks its row).
  const retention = new RetentionSweeper(prisma, { ...config.retention, log: app.log });
  app.addHook('onReady', async () => retention.start());
  // Alone, this process ran every recording there is: one left unfinished died with its last run.
  if (!redis) app.addHook('onReady', async () => recordings.failOrphansAtStartup());
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.addHook('onClose', async () => {
    await retention.stop();
    // Recordings were finalised in preClose; one that started since (a request that raced the shutdown) is too.
    await recordings.shutdown();
    ctx.rooms.shutdown();
    media.close();
    mailer.close();
    await ctx.background.drain();
    ctx.signInGuard.close();
    ctx.secondFactorGuard.close();
    ctx.limits.accountLinks.close();
    ctx.limits.inviteOpenByAddress.close();
    ctx.limits.linkProbe.close();
    await cluster?.close();
    await redis?.quit().catch(() => undefined);
  });
  return app;
}
