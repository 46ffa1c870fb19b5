import { type Static, Type } from 'typebox';
import { DisplayName, Id, Timestamp } from './domain.ts';

// Recording as clients see it, over REST (admin controls, downloads) and the signaling socket (consent).

/**
 * AWAITING_CONSENT: asked, not everyone agreed yet (the call is already on the SFU so recording can start the
 * moment they do). RECORDING: since `startedAt`, the moment the last consent arrived. FINALISING: stopped at
 * `stoppedAt`, the file is being written (sent to everyone at once on stop). COMPLETE: the file covers
 * `startedAt`..`stoppedAt`. PARTIAL: cut short by a failure (the media worker died, a track's FFmpeg exited); the
 * file keeps what was recorded, `durationMs` long, and downloads like a complete one. FAILED: no file. BLOCKED:
 * someone declined, nobody answered in time, or the request was withdrawn.
 */
export const RecordingStatus = Type.Enum([
  'AWAITING_CONSENT',
  'RECORDING',
  'FINALISING',
  'COMPLETE',
  'PARTIAL',
  'FAILED',
  'BLOCKED',
] as const);
export type RecordingStatus = Static<typeof RecordingStatus>;

/** Statuses that have a file to download (PARTIAL's is incomplete, and says so). */
export const RECORDING_FILE_STATUSES: readonly RecordingStatus[] = ['COMPLETE', 'PARTIAL'];

export const ConsentDecision = Type.Enum(['GRANTED', 'DECLINED'] as const);
export type ConsentDecision = Static<typeof ConsentDecision>;

/**
 * One participant's answer; `decision` is null while they have not answered. `withdrawnAt`: they agreed, then
 * withdrew their consent while the recording ran; from that moment their tracks are no longer recorded (the grant
 * and its time stay, so the record shows both). Null otherwise.
 */
export const RecordingConsentState = Type.Object({
  participantId: Id,
  displayName: DisplayName,
  decision: Type.Union([ConsentDecision, Type.Null()]),
  decidedAt: Type.Union([Timestamp, Type.Null()]),
  withdrawnAt: Type.Union([Timestamp, Type.Null()]),
});
export type RecordingConsentState = Static<typeof RecordingConsentState>;

export const Recording = Type.Object({
  id: Id,
  consultationId: Id,
  status: RecordingStatus,
  requestedById: Id,
  consents: Type.Array(RecordingConsentState),
  createdAt: Timestamp,
  startedAt: Type.Union([Timestamp, Type.Null()]),
  stoppedAt: Type.Union([Timestamp, Type.Null()]),
  durationMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** Bytes; a string because files can outgrow a JSON number's exact range. */
  sizeBytes: Type.Union([Type.String({ pattern: '^[0-9]+$' }), Type.Null()]),
  sha256: Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Null()]),
});
export type Recording = Static<typeof Recording>;

export const RecordingList = Type.Object({ recordings: Type.Array(Recording) });
export type RecordingList = Static<typeof RecordingList>;

export const RecordingParams = Type.Object({ recordingId: Id });
export type RecordingParams = Static<typeof RecordingParams>;

export const RecordingQuery = Type.Object(
  { consultationId: Type.Optional(Id) },
  { additionalProperties: false },
);
export type RecordingQuery = Static<typeof RecordingQuery>;
