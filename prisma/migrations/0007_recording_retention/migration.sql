-- Retention: recordings are deleted when due unless on legal hold (docs/health-data.md).
ALTER TABLE "Recording" ADD COLUMN "legalHold" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Recording" ADD COLUMN "legalHoldAt" TIMESTAMP(3);
ALTER TABLE "Recording" ADD COLUMN "legalHoldById" TEXT;
