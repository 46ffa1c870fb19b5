// A video call through the compose stack as a hospital behind a strict firewall would make it: the stack publishes
// on a host address the test's client namespaces reach (tests/ops/compose-netns.ts), each browser (Debian's
// Chromium) sits in its own namespace whose firewall lets out only TCP to the site's HTTPS port and to coturn's
// TLS port, and trusts Caddy's internal CA through its NSS database (no certificate errors ignored, for the site
// nor for TURN over TLS). The clinician signs in, starts a consultation and invites the patient by email; the
// patient opens the link, passes the pre-call check and is admitted; both must decode the other's video over a
// connection relayed by coturn over TLS.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { takeBrowserTurn } from '../support/chromium.ts';
import { type LabBrowser, launchLabChromium } from '../support/netlab/browser.ts';
import { videoPlaying } from '../web/support.ts';
import { type ClientNetworks, createClientNetworks } from './compose-netns.ts';
import {
  ComposeProject,
  freePortBlock,
  HttpsClient,
  RELAY_PORTS,
  repoRoot,
  runScript,
  SMTP_SINK,
  waitFor,
} from './compose-stack.ts';

let nets: ClientNetworks;
let project: ComposeProject;
let baseUrl: string;
let ca: string;
let ports: { http: number; https: number; media: number; turn: number; turnTls: number; relay: number };
let clinician: { email: string; password: string };
const browsers: LabBrowser[] = [];

before(async () => {
  runScript('scripts/docker-engine.sh');
  runScript('scripts/docker-base-images.sh');
  runScript('scripts/compose-build-inputs.sh', ['--worker']);
  nets = await createClientNetworks(2);
  const taken = new Set<number>();
  ports = {
    http: await freePortBlock(1, taken),
    https: await freePortBlock(1, taken),
    media: await freePortBlock(2, taken),
    turn: await freePortBlock(1, taken),
    turnTls: await freePortBlock(1, taken),
    relay: await freePortBlock(RELAY_PORTS, taken),
  };
  const site = nets.publicAddress;
  baseUrl = `https://${site}:${ports.https}`;
  const secret = () => randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    POSTGRES_PASSWORD: secret(),
    COOKIE_SECRET: secret(),
    TOTP_KEY: secret(),
    TURN_SECRET: secret(),
    // An IP address: Caddy's internal CA issues the site's (and so coturn's) certificate for it.
    SITE_ADDRESS: site,
    PUBLIC_URL: baseUrl,
    PROXY_BIND: site,
    HTTP_PORT: String(ports.http),
    HTTPS_PORT: String(ports.https),
    MEDIA_BIND: site,
    MEDIA_ANNOUNCED_ADDRESS: site,
    MEDIA_NUM_WORKERS: '2',
    MEDIA_PORT_FIRST: String(ports.media),
    MEDIA_PORT_LAST: String(ports.media + 1),
    TURN_LISTENING_IP: site,
    TURN_PORT: String(ports.turn),
    TURN_TLS_PORT: String(ports.turnTls),
    TURN_MIN_PORT: String(ports.relay),
    TURN_MAX_PORT: String(ports.relay + RELAY_PORTS - 1),
    TURN_URLS: JSON.stringify([
      `stun:${site}:${ports.turn}`,
      `turn:${site}:${ports.turn}?transport=udp`,
      `turn:${site}:${ports.turn}?transport=tcp`,
      `turns:${site}:${ports.turnTls}?transport=tcp`,
    ]),
    ...SMTP_SINK.env,
  };
  project = new ComposeProject(`consulta-call-${process.pid}`, env, SMTP_SINK.override);
  const started = Date.now();
  project.compose(['up', '-d', '--build']);
  ca = await waitFor('caddy internal CA', () => {
    const pem = project.compose(
      ['exec', '-T', 'caddy', 'cat', '/data/caddy/pki/authorities/local/root.crt'],
      { allowFailure: true },
    );
    return pem.status === 0 && pem.stdout.includes('BEGIN CERTIFICATE') ? pem.stdout : undefined;
  });
  await project.waitHealthy('server');
  await waitFor('caddy over HTTPS', async () =>
    (await new HttpsClient(baseUrl, ca).get('/healthz')).status === 200 ? true : undefined,
  );
  console.log(
    `[compose figure] call stack up -d --build to healthy: ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const m = /CLINICIAN\s+(\S+)\s+password: (\S+)/.exec(project.logs('server'));
  assert.ok(m, 'the first start prints the clinician account');
  clinician = { email: m[1]!, password: m[2]! };
  await nets.allowOnly([ports.https, ports.turnTls]);
});

after(async () => {
  for (const b of browsers) await b.close();
  project?.cleanup();
  await nets?.remove();
});

/** A page in a browser of its own that records every RTCPeerConnection the app makes. */
async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const all: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        all.push(this);
      }
    };
  });
  return context.newPage();
}

interface PathSeen {
  localType?: string;
  remoteType?: string;
  relayProtocol?: string;
  videoFramesDecoded: number;
}

/** The selected ICE pair and decoded video frames of each connected RTCPeerConnection on the page. */
function connectedPaths(page: Page): Promise<PathSeen[]> {
  return page.evaluate(async () => {
    const out: PathSeen[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState !== 'connected') continue;
      // biome-ignore lint/suspicious/noExplicitAny: getStats entries differ per type
      const byId = new Map<string, any>();
      (await pc.getStats()).forEach((r) => {
        byId.set(r.id, r);
      });
      let pairId: string | undefined;
      let frames = 0;
      for (const r of byId.values()) {
        if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId;
        if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0;
      }
      const pair = pairId ? byId.get(pairId) : undefined;
      const local = pair ? byId.get(pair.localCandidateId) : undefined;
      const remote = pair ? byId.get(pair.remoteCandidateId) : undefined;
      out.push({
        localType: local?.candidateType,
        remoteType: remote?.candidateType,
        relayProtocol: local?.relayProtocol,
        videoFramesDecoded: frames,
      });
    }
    return out;
  });
}

describe('a call through the compose stack', () => {
  test('clinician and patient behind TLS-only firewalls see each other through coturn over TLS', async () => {
    mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
    const release = await takeBrowserTurn();
    try {
      for (const [i, name] of ['clinician', 'patient'].entries()) {
        browsers.push(
          await launchLabChromium({ name, clientNs: nets.namespaces[i]! }, { trustedCaPem: [ca] }),
        );
      }
      const doc = await newPage(browsers[0]!.browser);
      await doc.goto(`${baseUrl}/clinician/`);
      await doc.getByLabel('Email').fill(clinician.email);
      await doc.getByLabel('Password').fill(clinician.password);
      await doc.getByRole('button', { name: 'Sign in' }).click();
      await doc.getByTestId('page-dashboard').waitFor({ timeout: 60_000 });
      await doc.getByLabel('Title').fill('Through the firewall');
      await doc.getByRole('button', { name: 'Start consultation' }).click();
      await doc.getByTestId('page-consult').waitFor();
      await doc.getByText('You are in the room').waitFor({ timeout: 60_000 });

      const form = doc.getByRole('form', { name: 'Invite someone' });
      await form.getByLabel('Email').fill('firewalled-patient@example.test');
      await form.getByLabel('Name').fill('Pat Firewall');
      await form.getByLabel('Role').selectOption('PATIENT');
      await form.getByRole('button', { name: 'Send invitation' }).click();
      await doc.getByText('Invitation sent to firewalled-patient@example.test').waitFor();
      const link = await waitFor('the invite email', () => {
        const line = project
          .logs('smtp-sink')
          .split('\n')
          .find((l) => l.includes('MAIL {'));
        const text = line ? (JSON.parse(line.slice(line.indexOf('MAIL ') + 5)) as { text: string }).text : '';
        return /https:\/\/\S+\/join#[A-Za-z0-9_-]+/.exec(text)?.[0];
      });
      assert.ok(link.startsWith(`${baseUrl}/join#`), link);

      const pat = await newPage(browsers[1]!.browser);
      await pat.goto(link);
      await pat.getByTestId('page-precheck').waitFor({ timeout: 60_000 });
      await pat.getByRole('button', { name: 'Join consultation' }).click();
      await pat.getByText('You are in the waiting room').waitFor({ timeout: 60_000 });
      await doc.getByRole('button', { name: 'Admit Pat Firewall' }).click();

      await Promise.all([
        videoPlaying(doc, '[data-testid="remote-tile"] video', 90_000),
        videoPlaying(pat, '[data-testid="remote-tile"] video', 90_000),
      ]);
      for (const [who, page] of [
        ['clinician', doc],
        ['patient', pat],
      ] as const) {
        const paths = await waitFor(`${who}'s connection with decoded video`, async () => {
          const seen = await connectedPaths(page);
          return seen.some((p) => p.videoFramesDecoded > 0) ? seen : undefined;
        });
        const withVideo = paths.filter((p) => p.videoFramesDecoded > 0);
        console.log(`[compose figure] ${who} path: ${JSON.stringify(withVideo)}`);
        for (const p of withVideo) {
          assert.equal(p.localType, 'relay', `${who}: relayed by coturn (${JSON.stringify(p)})`);
          assert.equal(p.relayProtocol, 'tls', `${who}: reached coturn over TLS (${JSON.stringify(p)})`);
        }
        await page.screenshot({ path: path.join(repoRoot, 'test-results', `compose-call-${who}.png`) });
      }
    } finally {
      release();
    }
  });
});
