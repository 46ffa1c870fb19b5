// The production stack for real: a Docker engine started here, base images built locally (no registry is
// reachable), `docker-compose up -d --build`, then everything through Caddy over HTTPS with its internal CA as a
// browser would see it: sign in, a consultation, an invite by email (an SMTP sink container), opening it, signaling
// over wss://, TURN credentials allocating on the coturn container; restarts and down/up keep the data, down -v
// removes it. Prints the figures (build, up-to-healthy, image sizes) it measures on the way.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Consultation, Invite, OpenInviteReply, TurnCredentials } from '@consulta/protocol';
import { launchChromium } from '../support/chromium.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import {
  ComposeProject,
  docker,
  freePortBlock,
  HttpsClient,
  RELAY_PORTS,
  repoRoot,
  runScript,
  SMTP_SINK,
  waitFor,
} from './compose-stack.ts';
import { allocate, peerCertificate, tlsPipe } from './turn-allocation.ts';

const figures: Record<string, string> = {};
function figure(name: string, value: string): void {
  figures[name] = value;
  console.log(`[compose figure] ${name}: ${value}`);
}
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

let project: ComposeProject;
let ports: {
  http: number;
  https: number;
  media: number;
  turn: number;
  turnTls: number;
  relay: number;
};
let turnUrls: string[];
let ca: string;
let baseUrl: string;
const metricsToken = randomBytes(24).toString('hex');
const staff: Record<'CLINICIAN' | 'ADMIN', { email: string; password: string }> = {} as never;
const state: { consultationId?: string; clinician?: HttpsClient } = {};

/** Caddy's internal root CA, once caddy has created (or loaded) it. */
function caddyRootCa(): Promise<string> {
  return waitFor('caddy internal CA', () => {
    const pem = project.compose(
      ['exec', '-T', 'caddy', 'cat', '/data/caddy/pki/authorities/local/root.crt'],
      { allowFailure: true },
    );
    return pem.status === 0 && pem.stdout.includes('BEGIN CERTIFICATE') ? pem.stdout : undefined;
  });
}

/** Waits for the server's healthcheck and for Caddy to answer over HTTPS with a certificate from `trusted`. */
async function healthyOverHttps(trusted: string): Promise<void> {
  await project.waitHealthy('server');
  await waitFor('caddy over HTTPS', async () =>
    (await new HttpsClient(baseUrl, trusted).get('/healthz')).status === 200 ? true : undefined,
  );
}

/** `docker-compose up -d` (plus `extra`) to healthy over HTTPS; returns the time taken and Caddy's root CA. */
async function upAndHealthy(extra: string[] = []): Promise<{ ms: number; rootCa: string }> {
  const started = Date.now();
  project.compose(['up', '-d', ...extra]);
  const rootCa = await caddyRootCa();
  await healthyOverHttps(rootCa);
  return { ms: Date.now() - started, rootCa };
}

before(async () => {
  let t = Date.now();
  runScript('scripts/docker-engine.sh');
  figure('docker engine ready', seconds(Date.now() - t));
  t = Date.now();
  runScript('scripts/docker-base-images.sh');
  figure('base images (cached unless their recipe changed)', seconds(Date.now() - t));
  // Offline: the worker scripts/mediasoup-worker built, and this machine's extra CA (NODE_EXTRA_CA_CERTS).
  runScript('scripts/compose-build-inputs.sh', ['--worker']);

  const taken = new Set<number>();
  ports = {
    http: await freePortBlock(1, taken),
    https: await freePortBlock(1, taken),
    media: await freePortBlock(2, taken),
    turn: await freePortBlock(1, taken),
    turnTls: await freePortBlock(1, taken),
    relay: await freePortBlock(RELAY_PORTS, taken),
  };
  baseUrl = `https://localhost:${ports.https}`;
  // turns: names the host the certificate is for (Caddy's internal one for localhost).
  turnUrls = [
    `stun:127.0.0.1:${ports.turn}`,
    `turn:127.0.0.1:${ports.turn}?transport=udp`,
    `turn:127.0.0.1:${ports.turn}?transport=tcp`,
    `turns:localhost:${ports.turnTls}?transport=tcp`,
  ];
  const secret = () => randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    POSTGRES_PASSWORD: secret(),
    COOKIE_SECRET: secret(),
    TOTP_KEY: secret(),
    TURN_SECRET: secret(),
    SITE_ADDRESS: 'localhost',
    PUBLIC_URL: baseUrl,
    PROXY_BIND: '127.0.0.1',
    HTTP_PORT: String(ports.http),
    HTTPS_PORT: String(ports.https),
    MEDIA_BIND: '127.0.0.1',
    MEDIA_ANNOUNCED_ADDRESS: '127.0.0.1',
    MEDIA_NUM_WORKERS: '2',
    MEDIA_PORT_FIRST: String(ports.media),
    MEDIA_PORT_LAST: String(ports.media + 1),
    TURN_LISTENING_IP: '127.0.0.1',
    TURN_PORT: String(ports.turn),
    TURN_MIN_PORT: String(ports.relay),
    TURN_MAX_PORT: String(ports.relay + RELAY_PORTS - 1),
    TURN_TLS_PORT: String(ports.turnTls),
    TURN_URLS: JSON.stringify(turnUrls),
    ...SMTP_SINK.env,
    METRICS_TOKEN: metricsToken,
  };
  project = new ComposeProject(`consulta-test-${process.pid}`, env, SMTP_SINK.override);

  t = Date.now();
  // The build stage gets a tag of its own: untagged, it would be a dangling image, and the prune below would take
  // its cached layers (packages, production dependencies, worker) with it, so every run would rebuild them.
  project.buildStage('build', 'consulta-server-build:latest');
  project.compose(['build']);
  // The previous build's images lose their tags to these: drop such leftovers so runs do not fill the disk.
  docker(['image', 'prune', '-f']);
  figure('docker-compose build (server image; cached layers reused)', seconds(Date.now() - t));
  const up = await upAndHealthy(['--build']);
  ca = up.rootCa;
  figure('docker-compose up -d --build to healthy over HTTPS (images built)', seconds(up.ms));
  for (const image of ['consulta-server:latest', 'caddy:2', 'postgres:15-bookworm', 'coturn/coturn:4.6']) {
    const bytes = Number(docker(['image', 'inspect', '-f', '{{.Size}}', image]).stdout.trim());
    figure(`image size ${image}`, `${(bytes / 1e6).toFixed(0)} MB`);
  }

  const logs = project.logs('server');
  for (const role of ['CLINICIAN', 'ADMIN'] as const) {
    const m = new RegExp(`${role}\\s+(\\S+)\\s+password: (\\S+)`).exec(logs);
    assert.ok(m, `the first start prints the ${role} account:\n${logs.slice(-2000)}`);
    staff[role] = { email: m[1]!, password: m[2]! };
  }
});

after(() => {
  project?.cleanup();
  console.log(`[compose figures] ${JSON.stringify(figures)}`);
});

describe('the compose stack', () => {
  test('serves HTTPS with its internal CA, redirects HTTP and sends the security headers', async () => {
    const client = new HttpsClient(baseUrl, ca);
    const page = await client.get('/join');
    assert.equal(page.status, 200);
    assert.match(page.text, /<div id="root">/);
    assert.match(String(page.headers['strict-transport-security']), /max-age=\d+/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers.server, undefined);

    // Not trusted without the stack's CA: this is a real certificate chain, not plain HTTP.
    await assert.rejects(
      new HttpsClient(baseUrl, '').get('/healthz'),
      /self[- ]signed|unable to verify|certificate/i,
    );

    const plain = await new Promise<{ status: number; location: string }>((resolve, reject) => {
      http
        .get(`http://localhost:${ports.http}/join`, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: String(res.headers.location) });
        })
        .on('error', reject);
    });
    assert.equal(plain.status, 308);
    assert.equal(plain.location, 'https://localhost/join');

    assert.equal((await client.get('/metrics')).status, 404, 'metrics are never served through the proxy');
  });

  test('a consultation through the proxy: sign in, create, invite by email, open, signal over wss://', async () => {
    const clinician = new HttpsClient(baseUrl, ca);
    const signIn = await clinician.post('/api/auth/sign-in', staff.CLINICIAN);
    assert.equal(signIn.status, 200, signIn.text);
    assert.match(String(signIn.headers['set-cookie']), /Secure/i, 'cookies are Secure behind HTTPS');

    const created = await clinician.post<Consultation>('/api/consultations', { title: 'Compose check' });
    assert.equal(created.status, 201, created.text);
    state.consultationId = created.body.id;
    state.clinician = clinician;

    const invited = await clinician.post<Invite>(`/api/consultations/${created.body.id}/invites`, {
      email: 'patient@example.test',
      displayName: 'Pat Compose',
    });
    assert.equal(invited.status, 201, invited.text);

    const mail = await waitFor('the invite email in the SMTP sink', () => {
      const line = project
        .logs('smtp-sink')
        .split('\n')
        .find((l) => l.includes('MAIL {'));
      return line
        ? (JSON.parse(line.slice(line.indexOf('MAIL ') + 5)) as { to: string; text: string })
        : undefined;
    });
    assert.match(mail.to, /patient@example\.test/);
    const link = new RegExp(`${baseUrl.replace(/[.:/]/g, '\\$&')}/join#([A-Za-z0-9_-]+)`).exec(mail.text);
    assert.ok(link, `the link points at the public HTTPS URL: ${mail.text}`);

    const patient = new HttpsClient(baseUrl, ca);
    const opened = await patient.post<OpenInviteReply>('/api/invites/open', { token: link[1] });
    assert.equal(opened.status, 200, opened.text);
    assert.equal(opened.body.guest.admission, 'WAITING');

    const turn = await patient.get<TurnCredentials>('/api/turn/credentials');
    assert.equal(turn.status, 200);
    assert.ok(turn.body.iceServers.some((s) => s.urls.some((u) => u.includes(`:${ports.turn}`))));

    const doc = await SignalingClient.connect(baseUrl, clinician.cookieHeader, baseUrl, ca);
    doc.send({ type: 'join', consultationId: created.body.id });
    const docJoined = await doc.next('joined', undefined, 15_000);
    const pat = await SignalingClient.connect(baseUrl, patient.cookieHeader, baseUrl, ca);
    pat.send({ type: 'join', consultationId: created.body.id });
    await pat.next('waiting', undefined, 15_000);
    const lobby = await doc.next('lobby', (m) => m.waiting.length === 1, 15_000);
    doc.send({ type: 'admit', participantId: lobby.waiting[0]!.id });
    const patJoined = await pat.next('joined', undefined, 15_000);
    const offer = { type: 'offer' as const, sdp: 'v=0\r\n' };
    doc.send({
      type: 'signal',
      to: patJoined.self.id,
      streamId: docJoined.self.id,
      data: { kind: 'description', description: offer },
    });
    const got = await pat.next('signal', undefined, 15_000);
    assert.equal(got.from, docJoined.self.id);
    assert.deepEqual(got.data, { kind: 'description', description: offer });
    await doc.close();
    await pat.close();

    // trustProxy: the server records the client's address as Caddy saw it (the compose network's gateway, where
    // published ports enter), not Caddy's own container address.
    const network = `${project.name}_default`;
    const gateway = docker([
      'network',
      'inspect',
      '-f',
      '{{(index .IPAM.Config 0).Gateway}}',
      network,
    ]).stdout.trim();
    const caddyIp = docker([
      'inspect',
      '-f',
      `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
      project.containerId('caddy'),
    ]).stdout.trim();
    const ip = project
      .exec('postgres', [
        'psql',
        '-U',
        'consulta',
        '-d',
        'consulta',
        '-Atc',
        `SELECT ip FROM "AuditEvent" WHERE ip IS NOT NULL ORDER BY at DESC LIMIT 1`,
      ])
      .trim();
    assert.notEqual(ip, caddyIp, 'not the proxy address');
    assert.equal(ip, gateway);
  });

  test('in Chromium the apps run under the Content-Security-Policy: sign-in, admin, and a patient’s pre-call check reaching coturn', async () => {
    const invited = await state.clinician!.post<Invite>(
      `/api/consultations/${state.consultationId}/invites`,
      {
        email: 'browser-patient@example.test',
        displayName: 'Pat Browser',
      },
    );
    assert.equal(invited.status, 201, invited.text);
    const mail = await waitFor('the second invite email', () => {
      const line = project
        .logs('smtp-sink')
        .split('\n')
        .find((l) => l.includes('MAIL {') && l.includes('browser-patient@example.test'));
      return line ? (JSON.parse(line.slice(line.indexOf('MAIL ') + 5)) as { text: string }) : undefined;
    });
    const joinLink = /https:\/\/\S+\/join#[A-Za-z0-9_-]+/.exec(mail.text)![0];

    const shots = path.join(repoRoot, 'test-results');
    mkdirSync(shots, { recursive: true });
    const violations: string[] = [];
    const browser = await launchChromium();
    try {
      for (const viewport of [
        { name: 'phone', width: 390, height: 844 },
        { name: 'laptop', width: 1280, height: 800 },
      ]) {
        // The TLS chain itself is checked above with the exact CA; the browser only needs to get past it.
        const context = await browser.newContext({
          ignoreHTTPSErrors: true,
          viewport: { width: viewport.width, height: viewport.height },
        });
        await context.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (e) => {
            console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
          });
        });
        const page = await context.newPage();
        page.on('console', (m) => {
          if (/CSP violation|Content Security Policy/i.test(m.text()))
            violations.push(`${page.url()}: ${m.text()}`);
        });

        await page.goto(`${baseUrl}/clinician/`);
        await page.fill('input[type=email]', staff.CLINICIAN.email);
        await page.fill('input[type=password]', staff.CLINICIAN.password);
        await page.click('button[type=submit]');
        await page.waitForSelector('#list-heading', { timeout: 60_000 });
        await page.screenshot({ path: path.join(shots, `compose-clinician-${viewport.name}.png`) });

        // The admin app in its own browser profile, signed in as the admin.
        const admin = await context.browser()!.newContext({
          ignoreHTTPSErrors: true,
          viewport: { width: viewport.width, height: viewport.height },
        });
        const adminPage = await admin.newPage();
        adminPage.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) violations.push(`${adminPage.url()}: ${m.text()}`);
        });
        await adminPage.goto(`${baseUrl}/admin/`);
        await adminPage.fill('input[type=email]', staff.ADMIN.email);
        await adminPage.fill('input[type=password]', staff.ADMIN.password);
        await adminPage.click('button[type=submit]');
        await adminPage.waitForSelector('[data-testid=admin-consultations]', { timeout: 60_000 });
        await adminPage.screenshot({ path: path.join(shots, `compose-admin-${viewport.name}.png`) });
        await admin.close();

        if (viewport.name === 'laptop') {
          // The invite opens once: the patient's run is on the laptop only.
          await page.goto(joinLink);
          // The technical lines sit behind the network check's "Details" for patients: present, not shown.
          const relay = page.getByText('Relay server (TURN): reached');
          await relay.waitFor({ state: 'attached', timeout: 90_000 });
          await page.screenshot({ path: path.join(shots, `compose-patient-precheck-${viewport.name}.png`) });
        }
        await context.close();
      }
    } finally {
      await browser.close();
    }
    // TypeBox (the protocol's validators) probes once per page whether it may compile with `new Function`; the
    // CSP refuses, which is its job, and TypeBox validates without compiling. Every other violation fails here.
    const typeboxProbe = /CSP violation: script-src eval$/;
    assert.deepEqual(
      violations.filter((v) => !typeboxProbe.test(v)),
      [],
    );
  });

  test('the server’s TURN credentials allocate a relay on the coturn container over UDP, TCP and TLS', async () => {
    const patientless = new HttpsClient(baseUrl, ca);
    assert.equal((await patientless.post('/api/auth/sign-in', staff.CLINICIAN)).status, 200);
    const turn = await patientless.get<TurnCredentials>('/api/turn/credentials');
    const relay = turn.body.iceServers.find((s) => s.username);
    assert.ok(relay?.username && relay.credential);
    // Browsers get every way in: UDP, TCP and TLS (turns:, for networks that let only TLS out).
    assert.deepEqual(
      relay.urls,
      turnUrls.filter((u) => u.startsWith('turn')),
    );

    // The TLS listener presents the site's certificate (turn-tls copies it from Caddy): trusted through Caddy's
    // root for the name browsers dial, as a browser checks it.
    const cert = await peerCertificate(ports.turnTls, ca, 'localhost');
    assert.match(cert.subjectaltname, /DNS:localhost/);
    const site = await peerCertificate(ports.https, ca, 'localhost');
    assert.equal(cert.fingerprint256, site.fingerprint256, 'coturn presents the same certificate as Caddy');

    // The production config refuses relaying to loopback peers (SSRF guard), so the credential is accepted and a
    // relay allocated, and the loopback peer is then refused with 403.
    const pipe = await tlsPipe(ports.turnTls, ca, 'localhost');
    try {
      for (const [transport, port, via] of [
        ['udp', ports.turn, 'udp'],
        ['tcp', ports.turn, 'tcp'],
        ['tls', pipe.port, 'tcp'],
      ] as const) {
        const result = await allocate({
          port,
          transport: via,
          username: relay.username,
          credential: relay.credential,
        });
        assert.ok(result.relay, `${transport}: a relay allocated\n${result.output}`);
        assert.ok(
          result.relay.port >= ports.relay && result.relay.port <= ports.relay + RELAY_PORTS - 1,
          `${transport}: relay port ${result.relay.port} in the range`,
        );
        assert.match(result.output, /403/, `${transport}: the loopback peer refused`);
        figure(`TURN allocation over ${transport}`, `relay ${result.relay.address}:${result.relay.port}`);

        const wrong = await allocate({
          port,
          transport: via,
          username: relay.username,
          credential: 'not-the-credential',
        });
        assert.equal(wrong.relay, undefined, `${transport}: a wrong credential allocates nothing`);
        assert.match(wrong.output, /Cannot complete Allocation/);
      }
      assert.ok(pipe.verified() >= 2, 'the TLS allocations went over verified TLS connections');
    } finally {
      await pipe.close();
    }
  });

  test('npm run create-admin works in the server container (docker-compose exec server)', async () => {
    const email = 'ops-admin@compose.test';
    const out = project.exec('server', ['npm', 'run', '--silent', 'create-admin', '--', '--email', email]);
    const m = new RegExp(`${email.replace(/\./g, '\\.')}\\s+password: (\\S+)`).exec(out);
    assert.ok(m, out);
    const admin = new HttpsClient(baseUrl, ca);
    const signIn = await admin.post('/api/auth/sign-in', { email, password: m[1] });
    assert.equal(signIn.status, 200, signIn.text);
    const again = project.compose(
      ['exec', '-T', 'server', 'npm', 'run', '--silent', 'create-admin', '--', '--email', email],
      { allowFailure: true },
    );
    assert.equal(again.status, 1);
    assert.match(again.stderr, /exists already/);
  });

  test('/metrics answers a scraper on the compose network with the token, and nobody without it', () => {
    // A scraper's view: another container on the compose network (the SMTP sink's node).
    const scrape = (authorization: string) =>
      project.exec('smtp-sink', [
        'node',
        '-e',
        `fetch('http://server:8080/metrics', { headers: { authorization: ${JSON.stringify(authorization)} } })` +
          '.then(async (r) => console.log(r.status, await r.text()))',
      ]);
    const ok = scrape(`Bearer ${metricsToken}`);
    assert.match(ok, /^200 /);
    // The consultation of the test above is live in no room any more, but its plan and messages were counted.
    assert.match(ok, /^consulta_plans_sent_total\{topology="p2p"\} [1-9]/m);
    assert.match(ok, /^consulta_turn_credentials_issued_total [1-9]/m);
    assert.match(ok, /^consulta_websocket_messages_total\{direction="in",type="join"\} 2$/m);
    assert.match(ok, /^consulta_sfu_workers 2$/m);
    assert.match(scrape('Bearer wrong'), /^401 /);
  });

  test('docker-compose restart server keeps the data and the sessions', async () => {
    const t = Date.now();
    project.compose(['restart', 'server']);
    await project.waitHealthy('server');
    figure('docker-compose restart server to healthy', seconds(Date.now() - t));
    const detail = await waitFor('the API after the restart', async () => {
      const res = await state.clinician!.get<{ id: string }>(`/api/consultations/${state.consultationId}`);
      return res.status === 200 ? res.body : undefined;
    });
    assert.equal(detail.id, state.consultationId);
  });

  test('docker-compose down && up keeps the data, the recordings and the certificates', async () => {
    project.exec('server', ['sh', '-c', 'echo kept > /app/recordings/compose-check.txt']);
    project.compose(['down']);
    assert.ok(project.volumes().length >= 4, 'down keeps the volumes');
    const up = await upAndHealthy();
    figure('docker-compose up -d to healthy (built images, existing volumes)', seconds(up.ms));
    assert.equal(up.rootCa, ca, 'the same internal CA: clients keep trusting it');
    const detail = await state.clinician!.get<{ id: string }>(`/api/consultations/${state.consultationId}`);
    assert.equal(detail.status, 200, 'the session survives in PostgreSQL');
    assert.equal(project.exec('server', ['cat', '/app/recordings/compose-check.txt']).trim(), 'kept');
    const signIn = await new HttpsClient(baseUrl, ca).post('/api/auth/sign-in', staff.ADMIN);
    assert.equal(signIn.status, 200, 'the seeded accounts were not seeded again');
  });

  test('a backup restores the database, the recordings and the certificates after down -v', async () => {
    const backupDir = path.join(project.dir, 'backup');
    runScript('scripts/compose-backup.sh', ['backup', backupDir, ...project.options], project.cleanEnv);
    for (const f of ['postgres.dump', 'recordings.tar', 'caddy-data.tar']) {
      assert.ok(statSync(path.join(backupDir, f)).size > 0, `${f} written`);
    }

    // Everything lost: a fresh stack seeds new accounts and makes a new CA.
    project.compose(['down', '-v']);
    const fresh = await upAndHealthy();
    assert.notEqual(fresh.rootCa, ca);
    const before = await new HttpsClient(baseUrl, fresh.rootCa).post('/api/auth/sign-in', staff.ADMIN);
    assert.equal(before.status, 401, 'the old accounts are gone before the restore');

    runScript('scripts/compose-backup.sh', ['restore', backupDir, ...project.options], project.cleanEnv);
    assert.equal(await caddyRootCa(), ca, 'the old CA is back');
    await healthyOverHttps(ca);
    const detail = await state.clinician!.get<{ id: string }>(`/api/consultations/${state.consultationId}`);
    assert.equal(detail.status, 200, 'the consultation and the session are back');
    assert.equal(project.exec('server', ['cat', '/app/recordings/compose-check.txt']).trim(), 'kept');
    const signIn = await new HttpsClient(baseUrl, ca).post('/api/auth/sign-in', staff.ADMIN);
    assert.equal(signIn.status, 200, 'the original accounts are back');
  });

  test('docker-compose down -v removes the containers and the volumes', () => {
    project.compose(['down', '-v']);
    assert.deepEqual(project.volumes(), []);
    assert.equal(project.compose(['ps', '-q']).stdout.trim(), '');
  });
});
