-- Guests get sessions like staff (a random token, hashed at rest, revocable), and a session that ends early keeps
-- its row with when and why, so every event that ends one can close its sockets and the record stays.
ALTER TABLE "Session" ALTER COLUMN "userId" DROP NOT NULL;
ALTER TABLE "Session" ADD COLUMN "participantId" TEXT;
ALTER TABLE "Session" ADD COLUMN "endedAt" TIMESTAMP(3);
ALTER TABLE "Session" ADD COLUMN "endReason" TEXT;
ALTER TABLE "Session" ADD COLUMN "ip" TEXT;
ALTER TABLE "Session" ADD COLUMN "userAgent" TEXT;

-- CreateIndex
CREATE INDEX "Session_participantId_idx" ON "Session"("participantId");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
