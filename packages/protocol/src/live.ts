import { type Static, Type } from 'typebox';
import { DisplayName, Id, Timestamp, Title } from './domain.ts';
import { Plan } from './plan.ts';
import { MediaState, Peer } from './signaling.ts';

// What is happening right now, for the admin console: the server's rooms as they are in memory (not the
// database's last word), so a consultation everyone abandoned drops out once their grace period ends.

/** Someone in the room now; `connected` is false during their reconnect grace period. */
export const LiveParticipant = Type.Object({
  id: Id,
  displayName: DisplayName,
  role: Peer.properties.role,
  connected: Type.Boolean(),
  media: Type.Union([MediaState, Type.Null()]),
  /**
   * The slowest stream this person receives now, in ms, from their latest `receive-latency` report (the receive
   * side of glass-to-glass: jitter buffer + half the RTT + decode); null without a fresh report.
   */
  receiveLatencyMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
});
export type LiveParticipant = Static<typeof LiveParticipant>;

export const LiveConsultation = Type.Object({
  consultationId: Id,
  title: Title,
  clinicianName: DisplayName,
  /** When the second person came in (the consultation's start), null before. */
  startedAt: Type.Union([Timestamp, Type.Null()]),
  participants: Type.Array(LiveParticipant),
  /** Guests in the waiting room. */
  waiting: Type.Integer({ minimum: 0 }),
  /** The route media takes and the routing policy's reasons for it. */
  plan: Type.Pick(Plan, ['topology', 'quality', 'reasons']),
  /** Recording as the room has it: asked for (consent pending), running, or not. */
  recording: Type.Union([Type.Literal('off'), Type.Literal('requested'), Type.Literal('running')]),
});
export type LiveConsultation = Static<typeof LiveConsultation>;

export const LiveSnapshot = Type.Object({
  /** The server's clock when this was taken, to count durations from. */
  at: Timestamp,
  /** The configured one-way latency budget (routing.latencyBudgetMs): a receive latency above it is a slow route. */
  latencyBudgetMs: Type.Integer({ minimum: 1 }),
  consultations: Type.Array(LiveConsultation),
});
export type LiveSnapshot = Static<typeof LiveSnapshot>;
