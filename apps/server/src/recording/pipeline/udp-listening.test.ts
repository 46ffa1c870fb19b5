// waitUntilBound against the real kernel tables, with this test process as the one that binds.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, test } from 'node:test';
import { waitUntilBound } from './udp-listening.ts';

const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

const bound = async (): Promise<number> => {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket.address().port;
};

test('a process that bound its ports is seen even when the wait starts past its deadline', async () => {
  const ports = [await bound(), await bound()];
  // A timeout of 0 is what a poll reaching the deadline late looks like (a stalled machine): one look still counts.
  assert.equal(await waitUntilBound(process.pid, ports, 0, () => false), true);
});

test('ports bound by another process, or not at all, are not listening', async () => {
  const ports = [await bound()];
  assert.equal(await waitUntilBound(1, ports, 50, () => false), false, 'held by this process, not pid 1');
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const free = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  assert.equal(await waitUntilBound(process.pid, [free], 50, () => false), false, 'nobody bound it');
});

test('stops waiting as soon as the caller gives up', async () => {
  const started = Date.now();
  assert.equal(await waitUntilBound(process.pid, [1], 60_000, () => true), false);
  assert.ok(Date.now() - started < 5000);
});
