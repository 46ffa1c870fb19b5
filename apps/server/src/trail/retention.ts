import { rm } from 'node:fs/promises';
import type { RecordingRetention } from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { appendAudit } from '../audit/record.ts';
import type { PrismaClient, Recording } from '../db/index.ts';
import { PersonalDataEraser } from './personal-data-erasure.ts';

const DAY_MS = 86_400_000;
/** Statuses after which nothing writes the recording any more: only these are ever deleted. */
const FINISHED_STATUSES: Recording['status'][] = ['COMPLETE', 'PARTIAL', 'FAILED', 'BLOCKED'];
const FINISHED = new Set<string>(FINISHED_STATUSES);

/** When a recording becomes due for deletion, or null (held, or not finished). Pure. */
export function deleteAfter(
  r: Pick<Recording, 'status' | 'stoppedAt' | 'createdAt' | 'legalHold'>,
  recordingDays: number,
): Date | null {
  if (r.legalHold || !FINISHED.has(r.status)) return null;
  // A blocked request never started: its clock runs from when it was made.
  return new Date((r.stoppedAt ?? r.createdAt).getTime() + recordingDays * DAY_MS);
}

export function retentionView(r: Recording, recordingDays: number): RecordingRetention {
  return {
    recordingId: r.id,
    consultationId: r.consultationId,
    status: r.status,
    stoppedAt: r.stoppedAt?.toISOString() ?? null,
    legalHold: r.legalHold,
    legalHoldAt: r.legalHoldAt?.toISOString() ?? null,
    deleteAfter: deleteAfter(r, recordingDays)?.toISOString() ?? null,
  };
}

/**
 * The retention job: every `sweepIntervalSeconds`, erases the personal data of consultations past theirs
 * (personal-data-erasure.ts) and deletes each finished recording past its retention period that is not on legal
 * hold: its file, its row (consents go with it) and an audit event saying what went. Each
 * recording is deleted in a transaction that first locks its row and re-checks the hold, so a hold set at the
 * same moment wins; the file goes inside that transaction, before the row, so a failure leaves the row to retry
 * rather than a file nobody tracks. Several server nodes may sweep at once: the lock lets one do each recording.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly eraser: PersonalDataEraser;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly o: {
      recordingDays: number;
      personalDataDays: number;
      sweepIntervalSeconds: number;
      log: FastifyBaseLogger;
    },
  ) {
    this.eraser = new PersonalDataEraser(prisma, o.personalDataDays);
  }

  start(): void {
    const tick = () => {
      this.sweep().catch((err: unknown) => this.o.log.error({ err }, 'retention: sweep failed'));
    };
    this.timer = setInterval(tick, this.o.sweepIntervalSeconds * 1000);
    this.timer.unref();
    setImmediate(tick);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One pass; returns how many recordings it deleted. One pass at a time in this process. */
  sweep(now = new Date()): Promise<number> {
    this.running ??= this.pass(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.o.recordingDays * DAY_MS);
    const due = await this.prisma.recording.findMany({
      where: {
        legalHold: false,
        status: { in: FINISHED_STATUSES },
        OR: [{ stoppedAt: { lte: cutoff } }, { stoppedAt: null, createdAt: { lte: cutoff } }],
      },
      select: { id: true },
    });
    let deleted = 0;
    for (const { id } of due) {
      if (await this.deleteOne(id, now)) deleted++;
    }
    if (deleted > 0) this.o.log.info({ deleted }, 'retention: recordings deleted');
    const erased = await this.eraser.eraseDue(now);
    if (erased > 0) this.o.log.info({ erased }, "retention: consultations' personal data erased");
    return deleted;
  }

  private deleteOne(id: string, now: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ id: string; legalHold: boolean }[]>`
        SELECT "id", "legalHold" FROM "Recording" WHERE "id" = ${id} FOR UPDATE`;
      if (!row || row.legalHold) return false; // gone (another node) or held meanwhile
      const r = await tx.recording.findUniqueOrThrow({ where: { id } });
      const due = deleteAfter(r, this.o.recordingDays);
      if (!due || due > now) return false;
      if (r.filePath) await rm(r.filePath, { force: true });
      await tx.recording.delete({ where: { id } });
      await appendAudit(tx, {
        action: 'recording.delete',
        actor: { kind: 'system', id: 'retention' },
        targetType: 'recording',
        targetId: id,
        consultationId: r.consultationId,
        details: {
          reason: 'retention',
          recordingDays: this.o.recordingDays,
          dueAt: due.toISOString(),
          status: r.status,
          stoppedAt: r.stoppedAt?.toISOString() ?? null,
          sha256: r.sha256,
          sizeBytes: r.sizeBytes?.toString() ?? null,
          hadFile: r.filePath !== null,
        },
      });
      return true;
    });
  }
}
