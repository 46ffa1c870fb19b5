// The error handler's choice of log level and reply, with a stand-in request (pure: what it logs and sends).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorHandler } from './error-handler.ts';

function handle(error: Error, destroyed: boolean) {
  const logged: string[] = [];
  const sent: Array<{ status: number; body: unknown }> = [];
  const request = {
    id: 'req-1',
    raw: { destroyed },
    log: {
      info: () => logged.push('info'),
      error: () => logged.push('error'),
    },
  } as unknown as FastifyRequest;
  let status = 0;
  const reply = {
    status(s: number) {
      status = s;
      return reply;
    },
    send(body: unknown) {
      sent.push({ status, body });
      return reply;
    },
  } as unknown as FastifyReply;
  errorHandler(error, request, reply);
  return { logged, sent };
}

const reset = () => Object.assign(new Error('aborted'), { code: 'ECONNRESET' });

test('a client that went away mid-body is logged as that, not as our error', () => {
  const { logged, sent } = handle(reset(), true);
  assert.deepEqual(logged, ['info']);
  assert.equal(sent[0]?.status, 400);
});

test('a reset while the request is still open is ours to look at: logged as an error, answered INTERNAL', () => {
  const { logged, sent } = handle(reset(), false);
  assert.deepEqual(logged, ['error']);
  assert.deepEqual(
    sent.map((r) => [r.status, (r.body as { error: { code: string } }).error.code]),
    [[500, 'INTERNAL']],
  );
});
