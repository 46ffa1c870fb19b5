import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatLine, ChatOutbox } from '../src/chat-outbox.ts';

function outbox(open: { now: boolean }) {
  const sent: ChatLine[] = [];
  const changes: ChatLine[][] = [];
  let n = 0;
  const box = new ChatOutbox({
    send: (line) => {
      if (open.now) sent.push(line);
      return open.now;
    },
    changed: (waiting) => changes.push(waiting),
    newId: () => `line${++n}`,
  });
  return { box, sent, changes };
}

test('a line waits for its echo and goes again after a join; the echo ends the wait', () => {
  const open = { now: true };
  const { box, sent, changes } = outbox(open);
  const id = box.post('My wifi is acting up.');
  assert.deepEqual(sent, [{ id, text: 'My wifi is acting up.' }]);
  assert.deepEqual(box.pending, [{ id, text: 'My wifi is acting up.' }], 'sent is not delivered');
  // The socket died with it; a second line is typed while reconnecting.
  open.now = false;
  const second = box.post('Can you hear me?');
  assert.equal(sent.length, 1);
  open.now = true;
  box.resend();
  assert.deepEqual(
    sent.slice(1).map((l) => l.text),
    ['My wifi is acting up.', 'Can you hear me?'],
    'both go again, in the order typed',
  );
  assert.equal(box.accept('me', id, 'me'), true);
  assert.equal(box.accept('me', second, 'me'), true);
  assert.deepEqual(box.pending, []);
  assert.deepEqual(changes.at(-1), []);
  box.resend();
  assert.equal(sent.length, 3, 'nothing left to resend');
});

test('a line delivered twice (its first echo was lost) is shown once; other senders’ ids are their own', () => {
  const { box } = outbox({ now: true });
  assert.equal(box.accept('patient', 'a1', 'doctor'), true);
  assert.equal(box.accept('patient', 'a1', 'doctor'), false, 'the resent copy is dropped');
  assert.equal(box.accept('family', 'a1', 'doctor'), true, 'the same id from someone else is another line');
  assert.equal(box.accept('patient', undefined, 'doctor'), true, 'lines without an id always pass');
  assert.equal(box.accept('patient', undefined, 'doctor'), true);
});

test('someone else’s line with the id of one of ours does not end our wait', () => {
  const { box } = outbox({ now: true });
  const id = box.post('hello');
  box.accept('other', id, 'me');
  assert.equal(box.pending.length, 1);
});

test('leaving the call drops what waits', () => {
  const { box, changes } = outbox({ now: false });
  box.post('one');
  box.clear();
  assert.deepEqual(box.pending, []);
  assert.deepEqual(changes.at(-1), []);
});

test('ids are 16 hex digits and differ', () => {
  const box = new ChatOutbox({ send: () => true, changed: () => {} });
  const ids = new Set(Array.from({ length: 100 }, () => box.post('x')));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
});
