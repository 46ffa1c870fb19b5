-- Consent withdrawn during a recording: the grant stays, with the moment it was withdrawn (docs/recording.md).
ALTER TABLE "RecordingConsent" ADD COLUMN "withdrawnAt" TIMESTAMP(3);
