// The real server sending its email (invites, account links) to a captured SMTP server, for the enclosing suite
// or file: both started before its first test and closed after its last.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { DeepPartialConfig } from '@consulta/server';
import { startTestServer, type TestServer } from './server.ts';
import { type SmtpCapture, startSmtpCapture } from './smtp.ts';

export function serverWithMail(overrides: DeepPartialConfig = {}): {
  readonly server: TestServer;
  readonly smtp: SmtpCapture;
} {
  let server: TestServer | undefined;
  let smtp: SmtpCapture | undefined;
  before(async () => {
    smtp = await startSmtpCapture();
    server = await startTestServer({ overrides: { ...overrides, email: { smtpUrl: smtp.url } } });
  });
  after(async () => {
    await server?.close();
    await smtp?.close();
  });
  return {
    get server() {
      assert.ok(server, 'the server is started before the tests');
      return server;
    },
    get smtp() {
      assert.ok(smtp, 'the SMTP capture is started before the tests');
      return smtp;
    },
  };
}
