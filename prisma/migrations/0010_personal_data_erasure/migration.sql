-- Retention of ended consultations' personal data: when the guests' names and emails and the title were erased
-- (docs/health-data.md).
ALTER TABLE "Consultation" ADD COLUMN "personalDataErasedAt" TIMESTAMP(3);
CREATE INDEX "Consultation_status_endedAt_idx" ON "Consultation"("status", "endedAt");
