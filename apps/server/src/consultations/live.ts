// The admin console's picture of what is happening now: every room with someone admitted in it, from the rooms in
// memory (who is there, the route and why, recording), with title, clinician and start time from the database.
// A consultation whose people all closed their tabs leaves this list when the last grace period ends.
import type { LiveConsultation, LiveSnapshot } from '@consulta/protocol';
import type { AppContext } from '../context.ts';
import { liveReceiveLatency } from '../signaling/receive-latency.ts';

export async function liveSnapshot(
  ctx: Pick<AppContext, 'rooms' | 'prisma' | 'config'>,
): Promise<LiveSnapshot> {
  const rooms = [...ctx.rooms.live()].filter((room) => room.members.size > 0);
  const rows = await ctx.prisma.consultation.findMany({
    where: { id: { in: rooms.map((r) => r.consultationId) }, status: { not: 'ENDED' } },
    include: { clinician: { select: { displayName: true } } },
  });
  const byId = new Map(rows.map((c) => [c.id, c]));
  const consultations: LiveConsultation[] = rooms.flatMap((room) => {
    const c = byId.get(room.consultationId);
    if (!c) return [];
    const latency = new Map(
      liveReceiveLatency(room)
        .filter((r) => r.streams.length > 0)
        .map((r) => [r.participantId, Math.max(...r.streams.map((s) => s.totalMs))]),
    );
    return [
      {
        consultationId: c.id,
        title: c.title,
        clinicianName: c.clinician.displayName,
        startedAt: c.startedAt?.toISOString() ?? null,
        participants: [...room.members.values()].map(({ peer, participantId }) => ({
          id: peer.id,
          displayName: peer.displayName,
          role: peer.role,
          connected: peer.connected,
          media: peer.media ?? null,
          receiveLatencyMs: latency.get(participantId) ?? null,
        })),
        waiting: room.lobby.size,
        plan: { topology: room.plan.topology, quality: room.plan.quality, reasons: room.plan.reasons },
        recording: room.recording,
      },
    ];
  });
  return {
    at: new Date().toISOString(),
    latencyBudgetMs: Math.round(ctx.config.routing.latencyBudgetMs),
    consultations,
  };
}
