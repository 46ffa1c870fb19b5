import { type Static, Type } from 'typebox';
import { Id, Timestamp } from './domain.ts';
import { RecordingStatus } from './recording.ts';

// Retention as administrators see it: when each recording will be deleted, and the legal hold that stops it.

export const RecordingRetention = Type.Object({
  recordingId: Id,
  consultationId: Id,
  status: RecordingStatus,
  stoppedAt: Type.Union([Timestamp, Type.Null()]),
  legalHold: Type.Boolean(),
  legalHoldAt: Type.Union([Timestamp, Type.Null()]),
  /** When the retention job deletes it; null while held or not finished. */
  deleteAfter: Type.Union([Timestamp, Type.Null()]),
});
export type RecordingRetention = Static<typeof RecordingRetention>;

export const RetentionList = Type.Object({
  recordingDays: Type.Number(),
  recordings: Type.Array(RecordingRetention),
});
export type RetentionList = Static<typeof RetentionList>;

export const LegalHoldBody = Type.Object({ hold: Type.Boolean() }, { additionalProperties: false });
export type LegalHoldBody = Static<typeof LegalHoldBody>;

/**
 * What an ended consultation's erased personal data reads as (titles and guests' names): shown as is. Erased
 * emails are `erased-<invite id>@erased.invalid` (RFC 2606's reserved .invalid domain: valid, never deliverable).
 */
export const ERASED_TEXT = '[erased]';
export const erasedEmail = (inviteId: string) => `erased-${inviteId}@erased.invalid`;
