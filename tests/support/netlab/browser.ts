// Chromium inside a lab host's client namespace: playwright-core starts a small wrapper script as the browser
// executable; the script enters the namespace with `ip netns exec` and execs Debian's Chromium, which keeps
// playwright's pipe (fds 3 and 4), so the test drives a browser whose every packet crosses the host's router.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.ts';
import { run } from './exec.ts';
import type { LabHost } from './lab.ts';

export interface LabBrowserOptions {
  /** Origins (e.g. http://198.19.0.1) getUserMedia may use although they are plain HTTP. */
  secureOrigins?: string[];
  /** PEM CA certificates the browser trusts (added to the NSS database of its own HOME). */
  trustedCaPem?: string[];
  extraArgs?: string[];
  timeoutMs?: number;
}

export interface LabBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchLabChromium(
  host: Pick<LabHost, 'name' | 'clientNs'>,
  options: LabBrowserOptions = {},
): Promise<LabBrowser> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `consulta-labchrome-${host.name}-`));
  try {
    const home = path.join(dir, 'home');
    mkdirSync(home);
    if (options.trustedCaPem?.length) await trustCas(home, dir, options.trustedCaPem);
    const wrapper = path.join(dir, 'chromium');
    // HOME: Chromium on Linux reads user-trusted CAs from $HOME/.pki/nssdb, so each browser has its own trust.
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec ip netns exec '${host.clientNs}' env HOME='${home}' '${CHROMIUM_PATH}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const args = [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])];
    // A net log per browser on request (docs/network-lab.md): how a network-level failure was found.
    const netLogDir = process.env.NETLOG_DIR;
    if (netLogDir) args.push(`--log-net-log=${path.join(netLogDir, `${host.name}-${Date.now()}.json`)}`);
    if (options.secureOrigins?.length) {
      args.push(`--unsafely-treat-insecure-origin-as-secure=${options.secureOrigins.join(',')}`);
    }
    const browser = await chromium.launch({
      executablePath: wrapper,
      headless: true,
      args,
      timeout: options.timeoutMs ?? 60_000,
    });
    return {
      browser,
      async close() {
        await browser.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function trustCas(home: string, dir: string, pems: string[]): Promise<void> {
  const db = path.join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  await run('certutil', ['-d', `sql:${db}`, '-N', '--empty-password']);
  for (const [i, pem] of pems.entries()) {
    const file = path.join(dir, `ca-${i}.pem`);
    writeFileSync(file, pem);
    // "C,," = trusted CA for TLS servers.
    await run('certutil', ['-d', `sql:${db}`, '-A', '-t', 'C,,', '-n', `consulta-lab-ca-${i}`, '-i', file]);
  }
}
