// Cluster failover (docs/cluster.md): 200 consultations, each a clinician and an admitted patient on WebSocket
// clients, spread over two server processes that share a Redis (the bench's own redis-server) and the local
// PostgreSQL; every call is split across the nodes, so every signal crosses Redis. Measures the relay latency
// and throughput through Redis against one server process without Redis, in the same run and with the same load;
// then SIGKILLs one node and times until every client it held has resumed on the other (reconnecting as the web
// client's engine does after a broken socket: 250 ms ± 25 %), and counts the consultations that did not come
// through intact (a member not resumed, a leave seen, or signals no longer relayed both ways).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { ServerMessage } from '@consulta/protocol';
import { openDatabase } from '@consulta/server';
import { createTestDatabase } from '../tests/support/postgres.ts';
import { startOwnRedis } from '../tests/support/redis-server.ts';
import { type ServerProcess, startServerProcess } from '../tests/support/server-process.ts';
import { SignalingClient } from '../tests/support/signaling-client.ts';
import { type BenchReport, percentile } from './report.ts';

const ROOMS = 200;
const RATE_PER_CLIENT = 5; // signals/s each client sends in the latency phase
const LATENCY_SECONDS = 5;
const BURST_PER_CLIENT = 50; // signals each client sends at once in the throughput phase
const SETUP_CONCURRENCY = 20;
const RESUME_DEADLINE_MS = 30_000; // the reconnect grace: a client not back by then has lost its place

interface Seat {
  consultationId: string;
  clinicianCookie: string;
  patientCookie: string;
  patientId: string;
}

interface Member {
  ws: SignalingClient;
  /** Where its socket is, and how it signs in and rejoins. */
  server: ServerProcess;
  cookie: string;
  consultationId: string;
  self: string;
  peer: string;
  resumeToken: string;
  room: number;
  /** Called with the send time carried by every signal this member receives. */
  onSignal: (sentAt: number) => void;
}

export default async function run(): Promise<BenchReport> {
  const redis = await startOwnRedis();
  const db = await createTestDatabase();
  const cookieSecret = randomBytes(32).toString('hex');
  const nodes: ServerProcess[] = [];
  const everyone: Member[] = [];
  try {
    const config = {
      // The bench measures relaying, not the per-connection flood guard.
      signaling: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } },
      server: { logLevel: 'error' },
    };
    const common = { databaseUrl: db.url, cookieSecret, config };
    const clustered = { ...common, redisUrl: redis.url, redisKeyPrefix: 'bench:' };
    // One after the other: the first applies the migrations.
    nodes.push(await startServerProcess({ ...clustered, nodeId: 'node-a' }));
    nodes.push(await startServerProcess({ ...clustered, nodeId: 'node-b' }));
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const seats = await seed(db.url, cookieSecret, 2 * ROOMS);

    // One process, no Redis: both members of every call on it.
    const single = await startServerProcess(common);
    let baseline: Relay;
    let storm: Array<number | null>;
    try {
      const pairs = await seatAll(seats.slice(0, ROOMS), () => [single, single]);
      everyone.push(...pairs.flat());
      baseline = await relay(pairs);
      // The same resume storm on one process: one member of every call loses its socket and resumes.
      const dropped = pairs.map(([doc, patient], i) => (i % 2 === 0 ? doc : patient));
      const droppedAt = performance.now();
      for (const m of dropped) m.ws.socket.terminate();
      storm = await Promise.all(dropped.map((m) => resumeAfterBreak(m, single, droppedAt)));
      for (const m of pairs.flat()) m.ws.socket.terminate();
    } finally {
      await single.close();
    }

    // Two nodes: call i has its clinician on one node (which takes the room) and its patient on the other.
    const pairs = await seatAll(seats.slice(ROOMS), (i) => (i % 2 === 0 ? [a, b] : [b, a]));
    const members = pairs.flat();
    everyone.push(...members);
    const cluster = await relay(pairs);

    // Failover: node A dies; its clients reconnect to B and resume.
    const onA = members.filter((m) => m.server === a);
    const killedAt = performance.now();
    await a.kill('SIGKILL');
    const outcomes = await Promise.all(onA.map((m) => resumeAfterBreak(m, b, killedAt)));
    const resumedMs = outcomes.filter((o): o is number => o !== null);
    // Calls node A ran (B takes them over from their snapshots) and calls B ran (only a member moves).
    // (Call i has its clinician, who took the room, on node A when i is even.)
    const takenOverMs = outcomes.filter((o, i): o is number => o !== null && onA[i]!.room % 2 === 0);
    const stayedMs = outcomes.filter((o, i): o is number => o !== null && onA[i]!.room % 2 === 1);
    const notResumed = new Set(onA.filter((_, i) => outcomes[i] === null).map((m) => m.room));
    // Every call relays both ways again (on B now, for both members), and nobody saw anyone leave.
    const silent = await relayCheck(pairs);
    const leaves = new Set(
      members.filter((m) => m.ws.pending().some((x) => x.type === 'peer-left')).map((m) => m.room),
    );
    const lost = new Set([...notResumed, ...leaves, ...silent]);

    const results = {
      rooms: ROOMS,
      clients: members.length,
      relay: { singleProcess: baseline, cluster },
      singleProcessStorm: {
        resumed: storm.filter((o) => o !== null).length,
        p50Ms: percentile(ok(storm), 50),
        p99Ms: percentile(ok(storm), 99),
      },
      failover: {
        clientsToResume: onA.length,
        resumed: resumedMs.length,
        p50Ms: percentile(resumedMs, 50),
        p99Ms: percentile(resumedMs, 99),
        maxMs: Math.max(...resumedMs),
        takenOver: { p50Ms: percentile(takenOverMs, 50), p99Ms: percentile(takenOverMs, 99) },
        stayed: { p50Ms: percentile(stayedMs, 50), p99Ms: percentile(stayedMs, 99) },
        lostConsultations: lost.size,
        notResumed: notResumed.size,
        leavesSeen: leaves.size,
        silentAfter: silent.size,
      },
    };
    const offered = members.length * RATE_PER_CLIENT;
    const row = (name: string, r: Relay) => [
      name,
      offered,
      r.steady.p50Ms,
      r.steady.p99Ms,
      r.steady.maxMs,
      r.burst.msgPerSec,
      r.burst.p99Ms,
    ];
    return {
      name: 'cluster-failover',
      results,
      tables: [
        {
          title: `Signaling relay, ${members.length} WebSocket clients in ${ROOMS} calls, loopback (cluster: each call split over 2 nodes, through Redis)`,
          columns: ['server', 'steady msg/s', 'p50 ms', 'p99 ms', 'max ms', 'burst msg/s', 'burst p99 ms'],
          rows: [row('one process', baseline), row('2 nodes + Redis', cluster)],
        },
        {
          title: `Resume storm: ${onA.length} clients (one per call) lose their socket, reconnect after 250 ms ± 25 % and resume`,
          columns: ['event', 'resumed', 'p50 ms', 'p99 ms', 'max ms', 'lost calls'],
          rows: [
            stormRow('one process: sockets dropped', storm, ''),
            stormRow('2 nodes: SIGKILL node A', outcomes, lost.size),
            stormRow('  calls A ran (B takes over)', takenOverMs, ''),
            stormRow('  calls B ran', stayedMs, ''),
          ],
        },
      ],
    };
  } catch (err) {
    // What the nodes logged (warnings and worse) says why.
    for (const node of nodes) console.error(node.output().split('\n').slice(-40).join('\n'));
    throw err;
  } finally {
    for (const m of everyone) m.ws.socket.terminate();
    for (const node of nodes) await node.kill('SIGKILL').catch(() => undefined);
    await redis.stop();
    await db.drop();
  }
}

const ok = (outcomes: Array<number | null>) => outcomes.filter((o): o is number => o !== null);

function stormRow(event: string, outcomes: Array<number | null>, lost: number | string) {
  const times = ok(outcomes);
  return [
    event,
    `${times.length}/${outcomes.length}`,
    percentile(times, 50),
    percentile(times, 99),
    Math.max(...times),
    lost,
  ];
}

/**
 * `count` consultations, each with a clinician and an invited patient whose invite is opened (sessions inserted
 * directly: hashing passwords and sending emails would measure scrypt and SMTP, not signaling).
 */
async function seed(url: string, cookieSecret: string, count: number): Promise<Seat[]> {
  const db = await openDatabase({ url, dataDir: '' });
  const prisma = db.prisma;
  const expiresAt = new Date(Date.now() + 3_600_000);
  const cookie = async (owner: { userId: string } | { participantId: string }) => {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(token).digest('hex');
    await prisma.session.create({ data: { ...owner, tokenHash, expiresAt } });
    // As @fastify/cookie signs it: value.HMAC-SHA-256(base64, no padding).
    const mac = createHmac('sha256', cookieSecret).update(token).digest('base64').replace(/=+$/, '');
    return `${'userId' in owner ? 'consulta_session' : 'consulta_guest'}=${token}.${mac}`;
  };
  try {
    const seats: Seat[] = [];
    for (let i = 0; i < count; i++) {
      const clinician = await prisma.user.create({
        data: {
          email: `c${i}@bench.test`,
          displayName: `Clinician ${i}`,
          role: 'CLINICIAN',
          passwordHash: 'x',
        },
      });
      const consultation = await prisma.consultation.create({
        data: { title: `Bench ${i}`, clinicianId: clinician.id },
      });
      const invite = await prisma.invite.create({
        data: {
          consultationId: consultation.id,
          email: `p${i}@bench.test`,
          displayName: `Patient ${i}`,
          role: 'PATIENT',
          tokenHash: randomBytes(32).toString('hex'),
          expiresAt,
          openedAt: new Date(),
          createdById: clinician.id,
        },
      });
      const patient = await prisma.participant.create({
        data: {
          consultationId: consultation.id,
          inviteId: invite.id,
          displayName: invite.displayName,
          role: 'PATIENT',
        },
      });
      seats.push({
        consultationId: consultation.id,
        clinicianCookie: await cookie({ userId: clinician.id }),
        patientCookie: await cookie({ participantId: patient.id }),
        patientId: patient.id,
      });
    }
    return seats;
  } finally {
    await db.close();
  }
}

/** Every call joined through the real flow: the clinician joins, the patient waits in the lobby and is admitted. */
async function seatAll(
  seats: Seat[],
  where: (i: number) => [ServerProcess, ServerProcess],
): Promise<Array<[Member, Member]>> {
  const pairs: Array<[Member, Member]> = [];
  for (let start = 0; start < seats.length; start += SETUP_CONCURRENCY) {
    const batch = seats.slice(start, start + SETUP_CONCURRENCY);
    pairs.push(...(await Promise.all(batch.map((s, j) => seat(s, start + j, ...where(start + j))))));
  }
  return pairs;
}

async function seat(s: Seat, room: number, x: ServerProcess, y: ServerProcess): Promise<[Member, Member]> {
  const doc = await SignalingClient.connect(x.url, s.clinicianCookie);
  doc.send({ type: 'join', consultationId: s.consultationId });
  const docJoined = await doc.next('joined', () => true, 60_000);
  const patient = await SignalingClient.connect(y.url, s.patientCookie);
  patient.send({ type: 'join', consultationId: s.consultationId });
  await patient.next('waiting', () => true, 60_000);
  await doc.next('lobby', (m) => m.waiting.some((p) => p.id === s.patientId), 60_000);
  doc.send({ type: 'admit', participantId: s.patientId });
  const joined = await patient.next('joined', () => true, 60_000);
  const common = { consultationId: s.consultationId, room, onSignal };
  const members: [Member, Member] = [
    {
      ...common,
      ws: doc,
      server: x,
      cookie: s.clinicianCookie,
      self: docJoined.self.id,
      peer: s.patientId,
      resumeToken: docJoined.resumeToken,
    },
    {
      ...common,
      ws: patient,
      server: y,
      cookie: s.patientCookie,
      self: s.patientId,
      peer: docJoined.self.id,
      resumeToken: joined.resumeToken,
    },
  ];
  for (const m of members) listen(m);
  return members;
}

function onSignal(): void {}

/** Signals carry their send time; each member hands it to its current `onSignal`. */
function listen(m: Member): void {
  m.ws.socket.on('message', (raw) => {
    const msg = JSON.parse(raw.toString()) as ServerMessage;
    if (msg.type === 'signal' && msg.data.kind === 'candidate' && msg.data.candidate)
      m.onSignal(Number(msg.data.candidate.candidate.split(' ')[1]));
  });
}

function signal(m: Member): void {
  m.ws.send({
    type: 'signal',
    to: m.peer,
    streamId: m.self,
    data: { kind: 'candidate', candidate: { candidate: `candidate:bench ${performance.now()}` } },
  });
}

interface Relay {
  steady: { delivered: number; p50Ms: number; p99Ms: number; maxMs: number };
  burst: { messages: number; msgPerSec: number; p50Ms: number; p99Ms: number };
}

/** A steady load (each client on its own clock, spread over the interval), then every client sends a burst. */
async function relay(pairs: Array<[Member, Member]>): Promise<Relay> {
  const members = pairs.flat();
  const steady: number[] = [];
  for (const m of members) m.onSignal = (t) => steady.push(performance.now() - t);
  const interval = 1000 / RATE_PER_CLIENT;
  const ticks = LATENCY_SECONDS * RATE_PER_CLIENT;
  await Promise.all(
    members.map(
      (m, i) =>
        new Promise<void>((resolve) => {
          setTimeout(
            () => {
              let tick = 0;
              const timer = setInterval(() => {
                signal(m);
                if (++tick >= ticks) {
                  clearInterval(timer);
                  resolve();
                }
              }, interval);
            },
            (i * interval) / members.length,
          );
        }),
    ),
  );
  await until(() => steady.length >= members.length * ticks, 60_000, 'steady-phase deliveries');

  const burst: number[] = [];
  for (const m of members) m.onSignal = (t) => burst.push(performance.now() - t);
  const started = performance.now();
  for (let i = 0; i < BURST_PER_CLIENT; i++) for (const m of members) signal(m);
  const expected = BURST_PER_CLIENT * members.length;
  await until(() => burst.length >= expected, 60_000, 'burst deliveries');
  const seconds = (performance.now() - started) / 1000;
  for (const m of members) m.onSignal = onSignal;
  return {
    steady: {
      delivered: steady.length,
      p50Ms: percentile(steady, 50),
      p99Ms: percentile(steady, 99),
      maxMs: Math.max(...steady),
    },
    burst: {
      messages: expected,
      msgPerSec: expected / seconds,
      p50Ms: percentile(burst, 50),
      p99Ms: percentile(burst, 99),
    },
  };
}

/**
 * A client of the killed node: its socket breaks; like the web client's engine it waits 250 ms ± 25 % and
 * reconnects (to the surviving node, as a load balancer would send it), again after each failed attempt, and
 * resumes with its token. Resolves with the time from the kill to `joined`, or null if it did not resume.
 */
async function resumeAfterBreak(m: Member, to: ServerProcess, killedAt: number): Promise<number | null> {
  const old = m.ws;
  await old.closed;
  // The old socket's listeners stay behind with it.
  old.socket.removeAllListeners('message');
  while (performance.now() - killedAt < RESUME_DEADLINE_MS) {
    await new Promise((r) => setTimeout(r, 250 * (0.75 + Math.random() * 0.5)));
    try {
      const ws = await SignalingClient.connect(to.url, m.cookie);
      ws.send({ type: 'join', consultationId: m.consultationId, resumeToken: m.resumeToken });
      const joined = await Promise.race([
        ws.next('joined', () => true, RESUME_DEADLINE_MS),
        ws
          .next('error', () => true, RESUME_DEADLINE_MS)
          .then((e) => {
            throw new Error(e.message);
          }),
      ]);
      if (!joined.resumed) return null;
      m.ws = ws;
      m.server = to;
      m.resumeToken = joined.resumeToken;
      listen(m);
      return performance.now() - killedAt;
    } catch {
      // Refused or broken again: the next attempt after the same pause.
    }
  }
  return null;
}

/** The rooms whose members no longer reach each other: one signal each way, each waited for up to 10 s. */
async function relayCheck(pairs: Array<[Member, Member]>): Promise<Set<number>> {
  const silent = new Set<number>();
  await Promise.all(
    pairs.flatMap(([x, y]) =>
      [
        [x, y],
        [y, x],
      ].map(async ([from, to]) => {
        const got = new Promise<void>((resolve) => {
          to!.onSignal = () => resolve();
        });
        signal(from!);
        const timedOut = await Promise.race([
          got.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), 10_000).unref()),
        ]);
        if (timedOut) silent.add(from!.room);
      }),
    ),
  );
  return silent;
}

async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`benchmark timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
