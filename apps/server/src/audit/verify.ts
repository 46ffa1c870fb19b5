import type { AuditBrokenLink, AuditVerification } from '@consulta/protocol';
import type { PrismaClient } from '../db/index.ts';
import { sha256Hex } from './canonical.ts';
import { eventHash, GENESIS_HASH } from './chain.ts';

/** Events read per query while walking a chain, so a long chain never sits in memory whole. */
const PAGE = 1000;
const MAX_BROKEN_LISTED = 100;

/**
 * Walks every audit chain from its first event: positions without gaps, each event linked to the previous one's
 * hash, each hash recomputed from the stored fields, the last event equal to the chain's head. Reports the first
 * broken link of each chain and the earliest one overall. Read-only: it never repairs anything.
 */
export async function verifyAuditChains(prisma: PrismaClient): Promise<AuditVerification> {
  const heads = await prisma.auditChainHead.findMany({ orderBy: { chainKey: 'asc' } });
  const eventChains = await prisma.auditEvent.findMany({
    where: { chainKey: { not: null } },
    distinct: ['chainKey'],
    select: { chainKey: true },
  });
  const keys = new Set<string>(heads.map((h) => h.chainKey));
  for (const e of eventChains) if (e.chainKey) keys.add(e.chainKey);
  const headByKey = new Map(heads.map((h) => [h.chainKey, h]));

  let events = 0;
  const broken: AuditBrokenLink[] = [];
  for (const chainKey of [...keys].sort()) {
    const result = await verifyChain(prisma, chainKey, headByKey.get(chainKey) ?? null);
    events += result.events;
    if (result.broken) broken.push(result.broken);
  }
  // Earliest first; a missing event has no time, so it sorts by its chain's neighbours' order (last).
  broken.sort((a, b) => (a.at ?? '\uffff').localeCompare(b.at ?? '\uffff'));
  const unchained = await prisma.auditEvent.count({ where: { chainKey: null } });
  return {
    ok: broken.length === 0,
    chains: keys.size,
    events,
    unchained,
    firstBroken: broken[0] ?? null,
    broken: broken.slice(0, MAX_BROKEN_LISTED),
    headsDigest: sha256Hex(heads.map((h) => `${h.chainKey} ${h.seq} ${h.hash}`).join('\n')),
    checkedAt: new Date().toISOString(),
  };
}

/** One chain, from its first event; stops at the first broken link. */
export async function verifyChain(
  prisma: PrismaClient,
  chainKey: string,
  head: { seq: number; hash: string } | null,
): Promise<{ events: number; broken: AuditBrokenLink | null }> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let lastAt: string | null = null;
  let events = 0;
  for (;;) {
    const page = await prisma.auditEvent.findMany({
      where: { chainKey, seq: { gte: expectedSeq } },
      orderBy: { seq: 'asc' },
      take: PAGE,
    });
    for (const e of page) {
      events++;
      const at = e.at.toISOString();
      const link = (reason: AuditBrokenLink['reason'], seq = e.seq ?? expectedSeq): AuditBrokenLink => ({
        chainKey,
        seq,
        eventId: reason === 'seq-gap' ? null : e.id,
        at: reason === 'seq-gap' ? lastAt : at,
        reason,
      });
      if (e.seq !== expectedSeq) return { events, broken: link('seq-gap', expectedSeq) };
      if (e.prevHash !== prevHash) return { events, broken: link('link-mismatch') };
      const recomputed = eventHash({ ...e, chainKey, seq: e.seq, prevHash: e.prevHash, details: e.details });
      if (recomputed !== e.hash) return { events, broken: link('hash-mismatch') };
      prevHash = e.hash;
      lastAt = at;
      expectedSeq++;
    }
    if (page.length < PAGE) break;
  }
  const lastSeq = expectedSeq - 1;
  if (!head) {
    return lastSeq === 0
      ? { events, broken: null }
      : { events, broken: { chainKey, seq: lastSeq, eventId: null, at: lastAt, reason: 'head-missing' } };
  }
  if (head.seq !== lastSeq || head.hash !== prevHash) {
    // The head claims more (or other) events than the chain holds: the position after the last good event.
    return {
      events,
      broken: { chainKey, seq: lastSeq + 1, eventId: null, at: lastAt, reason: 'head-mismatch' },
    };
  }
  return { events, broken: null };
}
