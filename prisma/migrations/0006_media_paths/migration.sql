-- The media-path record: per participant and span of time, the route their media took (docs/health-data.md).

-- CreateTable
CREATE TABLE "MediaPathSpan" (
    "id" TEXT NOT NULL,
    "consultationId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "topology" TEXT NOT NULL,
    "link" TEXT NOT NULL,
    "peerId" TEXT,
    "streamOwnerId" TEXT,
    "relayedById" TEXT,
    "sfuNode" TEXT,
    "path" TEXT NOT NULL DEFAULT 'unknown',
    "localType" TEXT,
    "remoteType" TEXT,
    "protocol" TEXT,
    "relayProtocol" TEXT,
    "relayAddress" TEXT,
    "planVersion" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reportedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "MediaPathSpan_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MediaPathSpan_consultationId_startedAt_idx" ON "MediaPathSpan"("consultationId", "startedAt");

-- CreateIndex
CREATE INDEX "MediaPathSpan_participantId_idx" ON "MediaPathSpan"("participantId");

-- AddForeignKey
ALTER TABLE "MediaPathSpan" ADD CONSTRAINT "MediaPathSpan_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MediaPathSpan" ADD CONSTRAINT "MediaPathSpan_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
