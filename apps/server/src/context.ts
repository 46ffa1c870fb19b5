import type { Sessions } from './auth/sessions.ts';
import type { SignInGuard } from './auth/sign-in-guard.ts';
import type { TotpSecrets } from './auth/totp.ts';
import type { BackgroundTasks } from './background.ts';
import type { ClusterNode, RoomCommands } from './cluster/index.ts';
import type { AppConfig } from './config/index.ts';
import type { PrismaClient } from './db/index.ts';
import type { Mailer } from './email/mailer.ts';
import type { SlidingLimit } from './limits/index.ts';
import type { MediaService } from './media/index.ts';
import type { ServerMetrics } from './metrics/index.ts';
import type { RecordingService } from './recording/service.ts';
import type { Rooms } from './signaling/rooms.ts';
import type { MediaPathLog } from './trail/media-path-log.ts';

/** What route and signaling handlers share. Built once in app.ts; handlers receive it, they never import globals. */
export interface AppContext {
  config: AppConfig;
  prisma: PrismaClient;
  mailer: Mailer;
  /** Staff and guest sessions, and the registry of their open sockets. */
  sessions: Sessions;
  rooms: Rooms;
  /** Room operations from outside the room (REST): on the node that runs the room. */
  roomCommands: RoomCommands;
  /** This process as a node of a cluster (redis.url set), else null. */
  cluster: ClusterNode | null;
  /** The SFU (mediasoup); `available` is false when disabled or its workers would not start. */
  media: MediaService;
  recordings: RecordingService;
  /** The media-path record: which route each participant's media took (trail/). */
  mediaPaths: MediaPathLog;
  signInGuard: SignInGuard;
  /** The same guessing limits for second-factor codes, counted apart from passwords (key: the account's id). */
  secondFactorGuard: SignInGuard;
  /** Seals and opens TOTP secrets with auth.totpKey. */
  totpSecrets: TotpSecrets;
  /** Work started by a request and not awaited by it (auth/forgot-password's email). */
  background: BackgroundTasks;
  /** Prometheus metrics; code with events to count calls its record* methods. */
  metrics: ServerMetrics;
  limits: {
    inviteOpenByAddress: SlidingLimit;
    /** Link probes per person (routing/link-probe-routes.ts). */
    linkProbe: SlidingLimit;
    /** Forgot-password requests and set-password attempts per client address. */
    accountLinks: SlidingLimit;
  };
}
