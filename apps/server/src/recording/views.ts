import type { Recording, RecordingConsentState } from '@consulta/protocol';

interface RecordingRow {
  id: string;
  consultationId: string;
  status: Recording['status'];
  requestedById: string;
  createdAt: Date;
  startedAt: Date | null;
  stoppedAt: Date | null;
  durationMs: number | null;
  sizeBytes: bigint | null;
  sha256: string | null;
  consents: Array<{
    participantId: string;
    decision: 'GRANTED' | 'DECLINED';
    decidedAt: Date;
    withdrawnAt: Date | null;
    participant: { displayName: string };
  }>;
}

/** The wire view of a recording; `pending` adds those asked who have not answered yet. */
export function recordingView(
  row: RecordingRow,
  pending: Array<{ participantId: string; displayName: string }> = [],
): Recording {
  const consents: RecordingConsentState[] = row.consents.map((c) => ({
    participantId: c.participantId,
    displayName: c.participant.displayName,
    decision: c.decision,
    decidedAt: c.decidedAt.toISOString(),
    withdrawnAt: c.withdrawnAt?.toISOString() ?? null,
  }));
  for (const p of pending) {
    if (consents.some((c) => c.participantId === p.participantId)) continue;
    consents.push({
      participantId: p.participantId,
      displayName: p.displayName,
      decision: null,
      decidedAt: null,
      withdrawnAt: null,
    });
  }
  return {
    id: row.id,
    consultationId: row.consultationId,
    status: row.status,
    requestedById: row.requestedById,
    consents,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    stoppedAt: row.stoppedAt?.toISOString() ?? null,
    durationMs: row.durationMs,
    sizeBytes: row.sizeBytes === null ? null : row.sizeBytes.toString(),
    sha256: row.sha256,
  };
}

export const recordingInclude = { consents: { include: { participant: true } } } as const;
