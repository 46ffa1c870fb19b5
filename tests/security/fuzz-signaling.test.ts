// Fuzzing the signaling socket of a real server with fast-check, from the protocol's own schemas: declared
// messages with hostile values, the same broken in one place, frames that are no message at all, sent by every
// role on every socket (the clinician, an admitted guest, a waiting guest, each with a joined and a silent socket),
// interleaved with the events that end sessions (revoke, deny, sign-out, end of the consultation), some of them
// raced by a burst from the person being shut out. It asserts that every reply is on the protocol, no reply is
// INTERNAL, every bad frame gets exactly one typed error, every valid one none from the edge, and that a session
// that ended can do nothing: its sockets close with the documented code, new ones are refused, REST says 401,
// and nobody hears from it after it left. Bounded: a fixed seed (FUZZ_SEED overrides) and fixed run counts;
// fast-check prints the seed and the failing input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloseCode, decodeServerMessage, ErrorCode, Routes, routeUrl } from '@consulta/protocol';
import fc from 'fast-check';
import { createConsultation } from '../support/consultation.ts';
import { type Actor, type Cast, closeCast, sessionEndingCodes, setUpCast } from '../support/fuzz-cast.ts';
import { type Frame, frames, isValidFrame, show, withIds } from '../support/fuzz-frames.ts';
import { HttpClient } from '../support/http.ts';
import { type Received, RecordingSocket } from '../support/recording-socket.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startSmtpCapture } from '../support/smtp.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const MAX_BYTES = 65_536;
/** Id slots a frame may address: the consultation, the three participants, another clinician's consultation. */
const SLOTS = 5;

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let elsewhere: string;

before(async () => {
  smtp = await startSmtpCapture();
  server = await startTestServer({
    overrides: {
      email: { smtpUrl: smtp.url },
      // The limits have tests of their own; here they would only turn hostile frames into RATE_LIMITED.
      signaling: { maxMessageBytes: MAX_BYTES, rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } },
      auth: { signInLimits: { perAddress: { max: 1_000_000, windowSeconds: 60 } } },
      invites: { openRateLimit: { max: 1_000_000, windowSeconds: 60 } },
    },
  });
  elsewhere = (await createConsultation(await server.signedIn('CLINICIAN'), 'Someone else’s')).id;
});
after(async () => {
  // No crash: after everything, the server still answers its health check.
  if (server) assert.equal((await fetch(`${server.url}${Routes.health.path}`)).status, 200);
  await server?.close();
  await smtp?.close();
});

const isType = (type: string) => (m: unknown) => (m as { type?: unknown } | undefined)?.type === type;
const ids = (cast: Cast) => [
  cast.consultationId,
  cast.clinician.participantId,
  cast.admitted.participantId,
  cast.waiting.participantId,
  elsewhere,
];

let pings = 0;

/** `promise`, or a failure naming what never happened. */
function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sends a frame, then a ping, and returns what came back before the pong (the edge answers in order). */
async function exchange(
  socket: RecordingSocket,
  frame: Frame,
): Promise<{ answers: Received[]; closed: boolean }> {
  const from = socket.received.length;
  const t = 1e15 + ++pings;
  socket.send(frame.binary ? frame.bytes : frame.text);
  socket.send(JSON.stringify({ type: 'ping', t }));
  const at = await socket.waitFor((m) => isType('pong')(m) && (m as { t: number }).t === t, from, 10_000);
  return { answers: socket.received.slice(from, at ?? undefined), closed: at === null };
}

/** Every reply is a server message of the protocol, none INTERNAL; a bad frame gets one typed error, a good none. */
function judge(frame: Frame, answers: Received[], closed: boolean): void {
  const valid = isValidFrame(frame, MAX_BYTES);
  const edgeErrors: unknown[] = [];
  for (const a of answers) {
    const decoded = decodeServerMessage(a.raw);
    assert.ok(decoded.ok, `off-protocol reply ${a.raw.slice(0, 300)} to ${show(frame)}`);
    const m = decoded.message;
    if (m.type !== 'error') continue;
    assert.notEqual(m.code, ErrorCode.Internal, `INTERNAL for ${show(frame)}: ${m.message}`);
    if (m.code === ErrorCode.MalformedMessage || m.code === ErrorCode.MessageTooLarge) edgeErrors.push(m);
  }
  if (valid) assert.equal(edgeErrors.length, 0, `a valid frame refused at the edge: ${show(frame)}`);
  else if (closed) assert.ok(edgeErrors.length <= 1);
  else assert.equal(edgeErrors.length, 1, `a bad frame without one typed error: ${show(frame)}`);
}

/** The actor's socket `n` (0: the joined one, 1: the silent one), reopened with its cookie if it was closed. */
async function socketOf(actor: Actor, n: number): Promise<RecordingSocket> {
  const current = actor.sockets[n]!;
  if (current.isOpen) return current;
  const fresh = await RecordingSocket.open(server.url, actor.http.cookieHeader);
  actor.sockets.push(fresh);
  actor.sockets[n] = fresh;
  return fresh;
}

/** What a socket heard, one short line per frame, for failure messages. */
const transcript = (s: RecordingSocket) =>
  s.received
    .map((r, i) => {
      const m = r.json as {
        type?: string;
        from?: string;
        peerId?: string;
        peer?: { id?: string };
        code?: string;
      };
      return `${i}:${m?.type}${m?.code ? `/${m.code}` : ''} ${m?.from ?? m?.peerId ?? m?.peer?.id ?? ''}`.trim();
    })
    .join(', ');

/** Every socket an actor ever had (replaced ones included), for judging what they received. */
const everSockets = new WeakMap<Actor, RecordingSocket[]>();
const allSocketsOf = (a: Actor) => everSockets.get(a) ?? [];
function track(cast: Cast): void {
  for (const a of cast.actors) {
    const list = everSockets.get(a) ?? [];
    for (const s of a.sockets) if (!list.includes(s)) list.push(s);
    everSockets.set(a, list);
  }
}

const frameAt = fc.record({ actor: fc.nat(2), socket: fc.nat(1), frame: frames(SLOTS, MAX_BYTES) });

describe('signaling fuzz', () => {
  test('every frame from every role gets a typed answer', async () => {
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      // A fresh cast each round: frames may deny the waiting guest or move people around.
      const cast = await setUpCast(server, smtp);
      await fc.assert(
        fc.asyncProperty(frameAt, async ({ actor, socket, frame }) => {
          const who = cast.actors[actor]!;
          const s = await socketOf(who, socket);
          const sent = withIds(frame, ids(cast));
          const { answers, closed } = await exchange(s, sent);
          if (closed && s.closeCode === CloseCode.Unauthenticated) {
            // Only a session the server ended is refused; it said why when it ended it.
            assert.ok(allSocketsOf(who).some((x) => sessionEndingCodes(who).includes(x.closeCode ?? 0)));
            assert.equal(answers.length, 0, 'a refused socket gets nothing');
          } else judge(sent, answers, closed);
          track(cast);
        }),
        { seed: SEED + round, numRuns: 120, endOnFailure: true },
      );
      await closeCast(cast);
    }
  });

  type EndEvent = 'revoke' | 'deny' | 'guest-sign-out' | 'end' | 'staff-sign-out';
  const step = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('frame' as const), at: frameAt }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('end' as const),
        event: fc.constantFrom<EndEvent>('revoke', 'deny', 'guest-sign-out', 'end', 'staff-sign-out'),
        race: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('return' as const), actor: fc.nat(2) }) },
  );

  /** Runs a session-ending event through REST; returns the people it shuts out when the server accepted it. */
  async function endEvent(cast: Cast, event: EndEvent): Promise<{ status: number; targets: Actor[] }> {
    const { clinician, admitted, waiting, consultationId } = cast;
    const call = (() => {
      switch (event) {
        case 'revoke':
          return clinician.http
            .delete(routeUrl(Routes.revokeInvite, { consultationId, inviteId: admitted.inviteId! }))
            .then((r) => ({ r, targets: [admitted] }));
        case 'deny':
          return clinician.http
            .post(routeUrl(Routes.denyParticipant, { consultationId, participantId: waiting.participantId }))
            .then((r) => ({ r, targets: [waiting] }));
        case 'guest-sign-out':
          return admitted.http.post(Routes.signOut.path).then((r) => ({ r, targets: [admitted] }));
        case 'end':
          return clinician.http
            .post(routeUrl(Routes.endConsultation, { consultationId }))
            .then((r) => ({ r, targets: [admitted, waiting] }));
        case 'staff-sign-out':
          return clinician.http.post(Routes.signOut.path).then((r) => ({ r, targets: [clinician] }));
      }
    })();
    const { r, targets } = await call;
    assert.ok(r.status < 500, `${event}: ${r.status} ${JSON.stringify(r.body)}`);
    return { status: r.status, targets: r.status < 300 ? targets.filter((t) => t.ended === null) : [] };
  }

  /** For each actor whose session ended: where each other socket open then stood when it had ended. */
  type Cutoffs = Map<Actor, Map<RecordingSocket, number>>;

  /**
   * After a session ended: the sockets it had open (`open`) close with a session-ending code (or were replaced by
   * its own join on the other socket a moment before), and REST says 401.
   */
  async function assertShutOut(who: Actor, open: RecordingSocket[], cutoffs: Cutoffs, cast: Cast) {
    const codes = await Promise.all(open.map((s) => within(s.closed, `${who.name}'s socket to close`)));
    for (const code of codes)
      assert.ok(
        [...sessionEndingCodes(who), CloseCode.Replaced].includes(code),
        `${who.name}: a socket closed with ${code}`,
      );
    who.ended = CloseCode.SessionEnded;
    assert.equal((await who.http.get(Routes.me.path)).status, 401, `${who.name} still signed in`);
    const mine = new Map<RecordingSocket, number>();
    cutoffs.set(who, mine);
    // A barrier on everyone else's open sockets: whatever the server sent them before the end has arrived.
    for (const other of cast.actors)
      for (const s of other.sockets)
        if (other !== who && s.isOpen) {
          await exchange(s, { binary: false, text: '{"type":"ping","t":0}' });
          mine.set(s, s.received.length);
        }
  }

  /**
   * Nobody hears from a participant after their session ended. Judged on the sockets that were open then (a
   * barrier on each gave `cutoffs`): nothing from them after the barrier, nor after the last `peer-left` naming
   * them (so chats raced against the end arrive before it, or not at all). A `peer-left` followed by a
   * `peer-joined` is fine before the end: a guest who joins on a second socket replaces the first.
   */
  function assertSilenceAfterEnd(cast: Cast, ended: Actor, cutoffs: Cutoffs) {
    const p = ended.participantId;
    const from = (m: unknown) => {
      const x = m as { type?: string; from?: string; peer?: { id?: string } };
      return (
        ((x.type === 'chat' || x.type === 'signal') && x.from === p) ||
        (x.type === 'peer-joined' && x.peer?.id === p)
      );
    };
    for (const other of cast.actors) {
      if (other === ended) continue;
      for (const s of allSocketsOf(other)) {
        const cutoff = cutoffs.get(ended)?.get(s);
        if (cutoff === undefined) continue;
        const left = s.received.findLastIndex((r) => {
          const m = r.json as { type?: string; peerId?: string };
          return m.type === 'peer-left' && m.peerId === p;
        });
        const start = left >= 0 ? Math.min(cutoff, left + 1) : cutoff;
        const late = s.received.slice(start).find((r) => from(r.json));
        assert.equal(
          late,
          undefined,
          `${other.name} heard from ${ended.name} (${p}) after it ended: ${late?.raw}\n` +
            `cutoff ${cutoff}, last left at ${left}; what it heard: ${transcript(s)}`,
        );
      }
    }
  }

  test('sequences across roles and sockets: a session that ended can do nothing', async () => {
    // One clinician account for every run (a password hash costs time); signed in again after a sign-out step.
    const account = await server.createStaff('CLINICIAN');
    let clinician: HttpClient | null = null;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        if (!clinician) {
          clinician = new HttpClient(server.url);
          assert.equal((await clinician.post(Routes.signIn.path, account)).status, 200);
        }
        const cast = await setUpCast(server, smtp, clinician);
        const cutoffs: Cutoffs = new Map();
        track(cast);
        try {
          for (const st of steps) {
            if (st.kind === 'frame' || st.kind === 'return') {
              const who = cast.actors[st.kind === 'frame' ? st.at.actor : st.actor]!;
              const frame = withIds(
                st.kind === 'frame'
                  ? st.at.frame
                  : { binary: false, text: JSON.stringify({ type: 'join', consultationId: '__id0__' }) },
                ids(cast),
              );
              if (who.ended !== null) {
                // Coming back after the end: a new socket is refused before it can say anything.
                const s = await RecordingSocket.open(server.url, who.http.cookieHeader);
                const { answers, closed } = await exchange(s, frame);
                assert.ok(closed, `${who.name}'s ended session got a working socket`);
                assert.equal(s.closeCode, CloseCode.Unauthenticated);
                assert.deepEqual(
                  answers.map((a) => a.raw),
                  [],
                );
                continue;
              }
              const s = await socketOf(who, st.kind === 'frame' ? st.at.socket : 1);
              track(cast);
              const { answers, closed } = await exchange(s, frame);
              judge(frame, answers, closed);
            } else {
              const openBefore = new Map(cast.actors.map((a) => [a, a.sockets.filter((s) => s.isOpen)]));
              const pending = endEvent(cast, st.event);
              if (st.race)
                // Everyone still in keeps talking, and joins on the silent socket, while it happens.
                for (const who of cast.actors)
                  for (const s of who.ended === null ? who.sockets : []) {
                    for (let i = 0; i < 10; i++) s.send(JSON.stringify({ type: 'chat', text: `race ${i}` }));
                    s.send(JSON.stringify({ type: 'join', consultationId: cast.consultationId }));
                  }
              const { targets: shut } = await pending;
              for (const who of shut) await assertShutOut(who, openBefore.get(who) ?? [], cutoffs, cast);
            }
            // Sessions the fuzz itself ended (the clinician denying the waiting guest by a frame) count too.
            for (const who of cast.actors)
              if (who.ended === null) {
                const ending = allSocketsOf(who).find((s) =>
                  sessionEndingCodes(who).includes(s.closeCode ?? 0),
                );
                if (ending) await assertShutOut(who, [], cutoffs, cast);
              }
          }
          for (const who of cast.actors) if (who.ended !== null) assertSilenceAfterEnd(cast, who, cutoffs);
        } finally {
          if (cast.clinician.ended !== null) clinician = null;
          await closeCast(cast);
        }
      }),
      { seed: SEED, numRuns: 15, endOnFailure: true },
    );
  });
});
