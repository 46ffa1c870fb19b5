// What a suite of fixture-page browser tests shares: a captured SMTP server, the fixture server sending its email
// there (and relaying through a real coturn when asked), Chromium and, when asked, Firefox; started before the
// suite's first test and closed after its last.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { DeepPartialConfig } from '@consulta/server';
import type { Browser } from 'playwright-core';
import {
  type BrowserEngine,
  chromiumEngine,
  chromiumProcessPerPage,
  type EngineName,
  launchEngine,
} from '../support/browser-engine.ts';
import { launchChromium } from '../support/chromium.ts';
import { type RunningCoturn, startCoturn } from '../support/coturn.ts';
import { type SmtpCapture, startSmtpCapture } from '../support/smtp.ts';
import { type FixtureServer, startFixtureServer } from './fixture-server.ts';

export interface FixtureSuite {
  readonly smtp: SmtpCapture;
  readonly server: FixtureServer;
  /** Chromium as playwright drives it, for helpers written against playwright. */
  readonly chromium: Browser;
  engine(name: EngineName): BrowserEngine;
}

export function fixtureSuite(
  options: {
    /** Launch Firefox besides Chromium. */
    firefox?: boolean;
    /** Start a coturn and give the server its TURN settings. */
    coturn?: boolean;
    /** Server settings beyond the email and TURN ones. */
    server?: DeepPartialConfig;
    /** Every Chromium page in a browser process of its own, which a test can kill (`ParticipantPage.kill`). */
    chromiumPerPage?: boolean;
  } = {},
): FixtureSuite {
  let smtp: SmtpCapture | undefined;
  let coturn: RunningCoturn | undefined;
  let server: FixtureServer | undefined;
  let chromium: Browser | undefined;
  const engines = new Map<EngineName, BrowserEngine>();

  before(async () => {
    smtp = await startSmtpCapture();
    if (options.coturn) coturn = await startCoturn({ verbose: false });
    server = await startFixtureServer({
      ...options.server,
      email: { smtpUrl: smtp.url },
      ...(coturn && { turn: { urls: coturn.urls, secret: coturn.secret } }),
    });
    if (options.chromiumPerPage) engines.set('chromium', chromiumProcessPerPage());
    else {
      chromium = await launchChromium();
      engines.set('chromium', chromiumEngine(chromium));
    }
    if (options.firefox) engines.set('firefox', await launchEngine('firefox'));
  });
  after(async () => {
    for (const engine of engines.values()) await engine.close().catch(() => {});
    await server?.close();
    await coturn?.stop();
    await smtp?.close();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    assert.ok(value !== undefined, `${what} is started before the suite's tests`);
    return value;
  };
  return {
    get smtp() {
      return started(smtp, 'the SMTP capture');
    },
    get server() {
      return started(server, 'the fixture server');
    },
    get chromium() {
      return started(chromium, 'the shared Chromium (none with chromiumPerPage)');
    },
    engine: (name) => started(engines.get(name), name),
  };
}
