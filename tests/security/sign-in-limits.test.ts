// The sign-in guessing limits on a cluster: two server processes on one PostgreSQL database and the real Redis
// (127.0.0.1:6379, keys under a prefix of this run's own), attacked from several loopback addresses (127.0.0.x, as
// distinct clients). Failures add up across both processes; the per-address window is sliding and says how long
// it really lasts; consecutive failures on one account from one address cost a doubling delay, not a lockout: the
// owner signs in from elsewhere at once, and unknown emails behave exactly like known ones; successes are not
// counted anywhere.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ErrorBody, Routes } from '@consulta/protocol';
import { createStaffUser, openDatabase } from '@consulta/server';
import { createTestDatabase } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

const limits = {
  perAddress: { max: 8, windowSeconds: 60 },
  failuresBeforeDelay: 3,
  maxDelaySeconds: 8,
  perAccountFailures: { max: 1000, windowSeconds: 3600 },
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let prisma: Awaited<ReturnType<typeof openDatabase>>;
let a: ServerProcess;
let b: ServerProcess;
const staff = { email: 'dr.known@example.test', password: 'a-long-correct-password' };

before(async () => {
  db = await createTestDatabase();
  prisma = await openDatabase({ url: db.url, dataDir: '' });
  await createStaffUser(prisma.prisma, { ...staff, displayName: 'Dr Known', role: 'CLINICIAN' });
  const shared = {
    databaseUrl: db.url,
    redisUrl: 'redis://127.0.0.1:6379',
    // This run's own keys: other runs and engineers share the Redis.
    redisKeyPrefix: `consulta-test-${randomBytes(6).toString('hex')}:`,
    cookieSecret: randomBytes(32).toString('hex'),
    config: { auth: { signInLimits: limits } },
  };
  // One after the other: the first applies the migrations, the second finds them applied.
  a = await startServerProcess(shared);
  b = await startServerProcess(shared);
});
after(async () => {
  await a?.close();
  await b?.close();
  await prisma?.close();
  await db?.drop();
});

interface Attempt {
  status: number;
  retryAfter: number | null;
  body: ErrorBody | Record<string, unknown>;
}

/** One sign-in from the loopback address `from`: the server sees a distinct client per address. */
function signIn(server: ServerProcess, from: string, email: string, password: string): Promise<Attempt> {
  const url = new URL(Routes.signIn.path, server.url);
  const body = JSON.stringify({ email, password });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retry === 'string' ? Number(retry) : null,
            body: text ? JSON.parse(text) : {},
          });
        });
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** Waits as long as the server said (Retry-After), then again if it still says so: the wait is the event. */
async function waitOut(attempt: () => Promise<Attempt>): Promise<Attempt> {
  for (;;) {
    const r = await attempt();
    if (r.status !== 429) return r;
    await sleep((r.retryAfter ?? 1) * 1000);
  }
}

const servers = () => [a, b] as const;

describe('sign-in limits across two server processes sharing Redis', () => {
  test('the per-address window is shared, sliding, and Retry-After is what is left of it', async () => {
    const from = '127.0.0.11';
    const started = Date.now();
    let firstAnswered = 0;
    for (let i = 0; i < limits.perAddress.max; i++) {
      const r = await signIn(servers()[i % 2]!, from, `spray${i}@example.test`, 'guess');
      assert.equal(r.status, 401, `attempt ${i + 1}`);
      if (i === 0) firstAnswered = Date.now();
    }
    const limitedSent = Date.now();
    const limited = await signIn(a, from, 'spray-next@example.test', 'guess');
    const limitedAnswered = Date.now();
    assert.equal(limited.status, 429);
    // Sliding: the wait is until the first attempt leaves the window (not a fresh window, not a fixed minute).
    // The server counted the first attempt between its sending and its answer, and computed the wait between
    // the last one's: on a loaded machine those spans are seconds, so the expected wait is a range (±1 s rounding).
    const wait = limited.retryAfter!;
    const windowS = limits.perAddress.windowSeconds;
    const leastLeft = windowS - (limitedAnswered - started) / 1000;
    const mostLeft = windowS - (limitedSent - firstAnswered) / 1000;
    assert.ok(
      wait <= windowS && wait >= leastLeft - 1 && wait <= mostLeft + 1,
      `${wait} s, expected ${leastLeft.toFixed(1)}-${mostLeft.toFixed(1)} s left`,
    );
    assert.match((limited.body as ErrorBody).error.message, new RegExp(`${wait} seconds`));
    // The other process says the same: one window, in Redis.
    assert.equal((await signIn(b, from, 'spray-other@example.test', 'guess')).status, 429);
    // Another address is untouched.
    assert.equal((await signIn(b, '127.0.0.21', 'spray0@example.test', 'guess')).status, 401);
  });

  test('consecutive failures on one account from one address cost a doubling delay, across processes', async () => {
    const from = '127.0.0.12';
    // The free failures, alternating between the processes.
    for (let i = 0; i < limits.failuresBeforeDelay; i++)
      assert.equal((await signIn(servers()[i % 2]!, from, staff.email, `guess${i}`)).status, 401);
    // Past them, each failure costs a wait that doubles (1 s, 2 s, 4 s, up to the maximum). Guess on, waiting
    // each one out, on either process. Retry-After is what is left of the wait when the server answers, so it is
    // judged against the time since the failure that imposed it (a loaded machine takes a while to answer).
    let failures = limits.failuresBeforeDelay;
    let lastFailureSent = 0;
    const seen: string[] = [];
    for (let i = 0; seen.length < 3 && i < 20; i++) {
      const sent = Date.now();
      const r = await signIn(servers()[i % 2]!, from, staff.email, `guess-more${i}`);
      if (r.status === 429) {
        const imposed = Math.min(limits.maxDelaySeconds, 2 ** (failures - limits.failuresBeforeDelay - 1));
        const elapsed = (Date.now() - lastFailureSent) / 1000;
        seen.push(`${r.retryAfter} s of ${imposed} s after ${elapsed.toFixed(1)} s`);
        assert.ok(r.retryAfter! <= imposed && r.retryAfter! >= imposed - elapsed - 1, seen.join('; '));
        await sleep(r.retryAfter! * 1000);
      } else {
        assert.equal(r.status, 401);
        failures++;
        lastFailureSent = sent;
      }
    }
    assert.equal(seen.length, 3, 'every failure past the free ones made the next attempt wait');
    // The right password waits its turn from this address too (the delay is on this address), then works.
    assert.equal((await waitOut(() => signIn(a, from, staff.email, staff.password))).status, 200);
  });

  /** Failures until the first 429: how many were answered, and the wait it asked for. */
  async function untilLimited(from: string, email: string): Promise<{ answered: number; wait: number }> {
    for (let i = 0; i < 12; i++) {
      const r = await signIn(servers()[i % 2]!, from, email, `x${i}`);
      if (r.status === 429) return { answered: i, wait: r.retryAfter! };
      assert.equal(r.status, 401);
    }
    throw new Error('never limited');
  }

  test('a known staff email cannot be locked out: its owner signs in from elsewhere at once', async () => {
    const attacker = await untilLimited('127.0.0.13', staff.email);
    assert.ok(attacker.answered > limits.failuresBeforeDelay, 'a few free failures first');
    assert.equal(
      (await signIn(b, '127.0.0.14', staff.email, staff.password)).status,
      200,
      'the owner is not slowed',
    );
    // Unknown emails get the same treatment, so the limits tell nobody which accounts exist.
    const unknown = await untilLimited('127.0.0.15', 'nobody@example.test');
    assert.ok(unknown.answered > limits.failuresBeforeDelay);
    assert.ok(unknown.wait <= 2 && attacker.wait <= 2, `${unknown.wait} ${attacker.wait}`);
  });

  test('successful sign-ins are not counted, per address or per account', async () => {
    const from = '127.0.0.16';
    // More successes than the per-address limit, from one address (a clinic behind one NAT address).
    for (let i = 0; i < limits.perAddress.max + 4; i++)
      assert.equal(
        (await signIn(servers()[i % 2]!, from, staff.email, staff.password)).status,
        200,
        `sign-in ${i + 1}`,
      );
    // A person's mistakes with a success in between never add up to a delay.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < limits.failuresBeforeDelay; i++)
        assert.equal((await signIn(a, '127.0.0.17', staff.email, 'typo')).status, 401);
      assert.equal((await signIn(b, '127.0.0.17', staff.email, staff.password)).status, 200);
    }
  });
});
