import { type Static, Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const RateLimit = Type.Object({
  max: Type.Integer({ minimum: 1 }),
  windowSeconds: Type.Integer({ minimum: 1 }),
});

/** Recording master keys: id -> 32 bytes in base64; ids are stored in each file's header. */
const MasterKeys = Type.Object({
  current: Type.String({ minLength: 1, maxLength: 64 }),
  keys: Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String({ minLength: 43 })),
});

/** The shape of infra/config/*.json5 after node-config has merged the layers. */
export const ConfigSchema = Type.Object({
  server: Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    publicUrl: Nullable(Type.String({ pattern: '^https?://' })),
    varDir: Type.String({ minLength: 1 }),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    trustProxy: Type.Boolean(),
  }),
  database: Type.Object({
    url: Nullable(Type.String({ pattern: '^postgres(ql)?://' })),
  }),
  redis: Type.Object({
    /** redis://… runs this server as one node of a cluster (shared limits and rooms); null: one process alone. */
    url: Nullable(Type.String({ pattern: '^rediss?://' })),
    /** Prefix of every key and channel, so several deployments (or test runs) can share one Redis. */
    keyPrefix: Type.String(),
  }),
  /** Several nodes sharing rooms through Redis (docs/cluster.md); read only when redis.url is set. */
  cluster: Type.Object({
    /** Signs every node-to-node message (HMAC-SHA-256); the same on every node; required with redis.url. */
    secret: Nullable(Type.String({ minLength: 32 })),
    /** This node's name in Redis; null: generated at start (hostname and a random part). */
    nodeId: Nullable(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' })),
    /** How long a node's registration and a room's lease last without renewal (renewed every third of it). */
    leaseMs: Type.Integer({ minimum: 300 }),
    /** Node-to-node messages older (or further in the future) than this are dropped as stale. */
    maxMessageAgeMs: Type.Integer({ minimum: 100 }),
  }),
  auth: Type.Object({
    sessionTtlMinutes: Type.Integer({ minimum: 1 }),
    cookieSecret: Nullable(Type.String({ minLength: 32 })),
    seed: Type.Object({ clinicianEmail: Type.String(), adminEmail: Type.String() }),
    /** See docs/security.md: sliding window per address, doubling delay per account+address, ceiling per account. */
    signInLimits: Type.Object({
      perAddress: RateLimit,
      failuresBeforeDelay: Type.Integer({ minimum: 1 }),
      maxDelaySeconds: Type.Integer({ minimum: 1 }),
      perAccountFailures: RateLimit,
    }),
    /** Encrypts TOTP secrets at rest (AES-256-GCM, key derived from this); null: generated into var/secrets.json. */
    totpKey: Nullable(Type.String({ minLength: 32 })),
    /** Issuer name authenticator apps show next to the account. */
    totpIssuer: Type.String({ minLength: 1 }),
    /** How long the second step of a sign-in may follow the password. */
    secondFactorTtlSeconds: Type.Integer({ minimum: 30 }),
    staffInviteTtlHours: Type.Number({ exclusiveMinimum: 0 }),
    passwordResetTtlMinutes: Type.Number({ exclusiveMinimum: 0 }),
    /** Forgot-password requests and emailed-link uses per client address (sliding window). */
    accountLinkLimit: RateLimit,
    /** Single sign-on through the clinic's OpenID Connect provider (docs/staff-accounts.md); off by default. */
    oidc: Type.Object({
      enabled: Type.Boolean(),
      /** The provider's issuer URL; its /.well-known/openid-configuration is read on the first sign-in. */
      issuer: Nullable(Type.String({ pattern: '^https?://' })),
      clientId: Nullable(Type.String({ minLength: 1 })),
      clientSecret: Nullable(Type.String({ minLength: 1 })),
      /** Registered at the provider; null: <server.publicUrl>/api/auth/sso/callback. */
      redirectUrl: Nullable(Type.String({ pattern: '^https?://' })),
      scopes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      /** The ID token / userinfo claim holding the person's groups or roles (a string or a list); null: no mapping. */
      roleClaim: Nullable(Type.String({ minLength: 1 })),
      /** Claim values that make an admin or a clinician (admin wins when both match). */
      roleValues: Type.Object({
        admin: Type.Array(Type.String({ minLength: 1 })),
        clinician: Type.Array(Type.String({ minLength: 1 })),
      }),
      /** Creates an account on the first sign-in of a person the provider vouches for and the role claim admits. */
      justInTime: Type.Boolean(),
      /** The button reads "Sign in with <buttonLabel>". */
      buttonLabel: Type.String({ minLength: 1, maxLength: 60 }),
      /** true: the provider's own second factor counts, so required two-factor does not apply to SSO sign-ins. */
      trustProviderMfa: Type.Boolean(),
      /** How long the sign-in at the provider may take between start and callback. */
      stateTtlSeconds: Type.Integer({ minimum: 30 }),
      /** Accepted difference between the provider's clock and ours when checking ID token times. */
      clockToleranceSeconds: Type.Integer({ minimum: 0, maximum: 300 }),
    }),
  }),
  invites: Type.Object({
    ttlHours: Type.Number({ exclusiveMinimum: 0 }),
    openRateLimit: RateLimit,
  }),
  email: Type.Object({
    smtpUrl: Nullable(Type.String({ pattern: '^smtps?://' })),
    from: Type.String({ minLength: 3 }),
  }),
  signaling: Type.Object({
    reconnectGraceSeconds: Type.Number({ minimum: 0 }),
    relayLossSeconds: Type.Number({ minimum: 0 }),
    relayBrokenSeconds: Type.Number({ minimum: 0 }),
    heartbeatIntervalSeconds: Type.Number({ exclusiveMinimum: 0 }),
    relayHeartbeatSeconds: Type.Number({ exclusiveMinimum: 0 }),
    maxMessageBytes: Type.Integer({ minimum: 1024 }),
    rateLimit: Type.Object({
      perSecond: Type.Number({ exclusiveMinimum: 0 }),
      burst: Type.Integer({ minimum: 1 }),
    }),
  }),
  turn: Type.Object({
    secret: Nullable(Type.String({ minLength: 16 })),
    realm: Type.String({ minLength: 1 }),
    credentialTtlSeconds: Type.Integer({ minimum: 60 }),
    /** coturn started by the server itself from the rendered config (npm start); production runs its own. */
    embedded: Type.Object({ enabled: Type.Boolean(), binary: Type.String({ minLength: 1 }) }),
    urls: Type.Array(Type.String({ pattern: '^(stun|stuns|turn|turns):' }), { minItems: 1 }),
    coturn: Type.Object({
      listeningIp: Type.String(),
      relayIp: Nullable(Type.String()),
      externalIp: Nullable(Type.String()),
      listeningPort: Type.Integer({ minimum: 1, maximum: 65535 }),
      minPort: Type.Integer({ minimum: 1, maximum: 65535 }),
      maxPort: Type.Integer({ minimum: 1, maximum: 65535 }),
      allowLoopbackPeers: Type.Boolean(),
      deniedPeerRanges: Type.Array(Type.String()),
      /** TLS listener (turns:, and plain TURN over TCP on the same port), e.g. 443; null: no TLS. */
      tlsListeningPort: Nullable(Type.Integer({ minimum: 1, maximum: 65535 })),
      /** PEM certificate chain and private key coturn reads for TLS (paths as coturn sees them). */
      tlsCertFile: Nullable(Type.String({ minLength: 1 })),
      tlsKeyFile: Nullable(Type.String({ minLength: 1 })),
    }),
  }),
  metrics: Type.Object({
    /** GET /metrics in Prometheus format (apps/server/src/metrics). */
    enabled: Type.Boolean(),
    /** Bearer token scrapers send; null: loopback clients only. */
    token: Nullable(Type.String({ minLength: 16 })),
  }),
  routing: Type.Object({
    treeMaxParticipants: Type.Integer({ minimum: 2 }),
    rebalanceIntervalSeconds: Type.Number({ exclusiveMinimum: 0 }),
    rebalanceMaxEdgeChanges: Type.Integer({ minimum: 1 }),
    /** Bandwidth changes one member's reports may feed the planner: `burst` at once, then `perMinute`. */
    bandwidthChanges: Type.Object({
      perMinute: Type.Number({ exclusiveMinimum: 0 }),
      burst: Type.Integer({ minimum: 1 }),
    }),
    /** Diagnostics and benchmarks only: every call uses this topology (the policy still picks the quality). */
    forceTopology: Nullable(Type.Enum(['p2p', 'tree', 'sfu'])),
    /** Benchmarks only, with forceTopology 'tree': every sender's tree is one chain through all peers. */
    forceTreeChain: Type.Boolean(),
    /** One-way latency budget (ms) the deepest receiver of a tree must stay within (docs/routing.md). */
    latencyBudgetMs: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }),
    /** After the SFU because no tree fit: seconds with no tree unfit (same people) before a tree is tried again. */
    treeRetrySeconds: Type.Number({ minimum: 0, maximum: 3600 }),
  }),
  media: Type.Object({
    /** false runs without an SFU: no recording, large groups stay on trees. */
    enabled: Type.Boolean(),
    /** mediasoup-worker binary (env MEDIASOUP_WORKER_BIN); null uses the one inside the mediasoup package. */
    workerBin: Nullable(Type.String({ minLength: 1 })),
    /** 0 = one per CPU core. */
    numWorkers: Type.Integer({ minimum: 0, maximum: 64 }),
    workerLogLevel: Type.Enum(['debug', 'warn', 'error', 'none']),
    /** Address the WebRtcServers bind. */
    listenIp: Type.String({ minLength: 1 }),
    /** Address announced to browsers in ICE candidates (public IP or DNS name); null announces listenIp. */
    announcedAddress: Nullable(Type.String({ minLength: 1 })),
    /** Worker i's WebRtcServer listens on basePort + i (UDP and TCP): what compose and firewalls open. 0: any free port. */
    webRtcServerBasePort: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Ports for PlainTransports to the recorder (loopback only). */
    rtcMinPort: Type.Integer({ minimum: 1, maximum: 65535 }),
    rtcMaxPort: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** A worker this loaded (consumers + producers it carries) pipes new load of a consult to another worker. */
    pipeThreshold: Type.Integer({ minimum: 1 }),
    /** Audio averaging below this over 1.5 s is nobody speaking (the active speaker is cleared). */
    speechThresholdDbov: Type.Number({ minimum: -127, maximum: 0 }),
    /** After a room leaves the SFU, its transports are kept this long for clients still migrating off. */
    migrationGraceSeconds: Type.Number({ minimum: 0 }),
    /** Warm standby: SFU transports built (nothing flowing) while a waiting guest's admission would move the call there. */
    standby: Type.Boolean(),
  }),
  recording: Type.Object({
    /** Where finished recordings are stored (a volume in compose); relative paths are under server.varDir. */
    dir: Type.String({ minLength: 1 }),
    /** ffmpeg binary (apt package `ffmpeg`). */
    ffmpegPath: Type.String({ minLength: 1 }),
    /** Lets a consultation's own clinician list and download its recordings (admins always can). */
    clinicianAccess: Type.Boolean(),
    /** A consent request unanswered this long blocks the recording. */
    consentTimeoutSeconds: Type.Number({ exclusiveMinimum: 0 }),
    /**
     * Which simulcast layer of each camera is recorded: 'highest' (what the sender's best layer carries), or a
     * spatial layer index (0 = the lowest) to save disk, capped at the layers the camera sends.
     */
    videoLayer: Type.Union([Type.Literal('highest'), Type.Integer({ minimum: 0, maximum: 2 })]),
    /**
     * Master keys that wrap each recording's data key (docs/recording.md, "Encrypted at rest"): `current` seals new
     * files, every listed key still opens old ones. null: read from masterKeyFile, else generated into
     * var/secrets.json.
     */
    masterKeys: Nullable(MasterKeys),
    /** A JSON file holding `{ current, keys }` like masterKeys (a mounted secret); used when masterKeys is null. */
    masterKeyFile: Nullable(Type.String({ minLength: 1 })),
  }),
  /** How long what a visit leaves behind is kept (docs/health-data.md). */
  retention: Type.Object({
    /** A finished recording is deleted (file and row, audited) this many days after it stopped, unless held. */
    recordingDays: Type.Number({ exclusiveMinimum: 0 }),
    /**
     * An ended consultation's guest names and emails and its title are erased this many days after it ended,
     * unless one of its recordings is on legal hold.
     */
    personalDataDays: Type.Number({ exclusiveMinimum: 0 }),
    /** How often the retention job looks for what is due. */
    sweepIntervalSeconds: Type.Number({ exclusiveMinimum: 0 }),
  }),
});

/** Configuration as read from files and environment; secrets may still be null. */
export type RawConfig = Static<typeof ConfigSchema>;

/** Configuration the app runs with: secrets resolved, public URL known. */
export type AppConfig = RawConfig & {
  server: RawConfig['server'] & { publicUrl: string };
  auth: RawConfig['auth'] & { cookieSecret: string; totpKey: string };
  turn: RawConfig['turn'] & { secret: string };
  recording: RawConfig['recording'] & { masterKeys: NonNullable<RawConfig['recording']['masterKeys']> };
};
