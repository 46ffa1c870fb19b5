// SfuStandby's decisions on their own (pure logic: a stand-in for the SFU room and its host; the real worker and
// WebSocket are tests/sfu/standby.test.ts's): the workers' load bound, the release window, and an admission that
// overtakes the standby's router.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { Room } from '../signaling/room.ts';
import type { MediaRoom } from './media-room.ts';
import { SfuStandby, type StandbyHost } from './standby.ts';

/** The parts of a MediaRoom the standby uses. */
class FakeMediaRoom {
  standby = true;
  released = false;
  readonly announced = new Set<string>();
  constructor(readonly room: Room) {}
  get consultationId() {
    return this.room.consultationId;
  }
  announce(id: string) {
    this.announced.add(id);
  }
  endStandby() {
    this.released = true;
  }
}

const quiet = { info() {}, error() {} } as unknown as FastifyBaseLogger;

function setUp(capacity = true) {
  const room = new Room('c1');
  room.members.set('doc', { participantId: 'doc', link: {} } as never);
  let media: FakeMediaRoom | undefined;
  const opened: Array<(m: FakeMediaRoom) => void> = [];
  const host: StandbyHost = {
    room: () => media as unknown as MediaRoom | undefined,
    // The router is created when the test says so (resolve), as a worker would after a while.
    open: () =>
      new Promise((resolve) =>
        opened.push((m) => {
          media = m;
          resolve(m as unknown as MediaRoom);
        }),
      ),
    hasCapacity: () => capacity,
    log: quiet,
  };
  const standby = new SfuStandby(host);
  const foresee = (topology: 'sfu' | 'p2p') => {
    room.foreseen = topology;
    standby.foreseen(room);
  };
  const createRouter = async () => {
    const m = new FakeMediaRoom(room);
    opened.shift()?.(m);
    await new Promise((r) => setImmediate(r));
    return m;
  };
  return { room, standby, foresee, opened, createRouter };
}

test('no standby is opened while every worker is past the load bound', () => {
  const { foresee, opened } = setUp(false);
  foresee('sfu');
  assert.equal(opened.length, 0);
});

test('a standby is announced to the members; a passed warning releases it only after the window, unless it comes back', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { foresee, createRouter } = setUp();
  foresee('sfu');
  const media = await createRouter();
  assert.deepEqual([...media.announced], ['doc']);
  foresee('p2p'); // the guest left
  t.mock.timers.tick(4000);
  foresee('sfu'); // another knocks within the window: kept
  t.mock.timers.tick(10_000);
  assert.equal(media.released, false);
  foresee('p2p'); // denied
  t.mock.timers.tick(4999);
  assert.equal(media.released, false);
  t.mock.timers.tick(1);
  assert.equal(media.released, true);
});

test('an admission that moves the plan onto the SFU before the router exists does not release the standby', async () => {
  const { room, foresee, createRouter } = setUp();
  foresee('sfu');
  // Admitted: the plan is sfu, so the foresight no longer asks for a standby; planChanged activates it.
  room.plan = { ...room.plan, topology: 'sfu' };
  foresee('sfu');
  const media = await createRouter();
  assert.equal(media.released, false, 'kept for the activation');
  assert.equal(media.announced.size, 0, 'the activation announces it, not the standby');
});
