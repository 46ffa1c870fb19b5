// Manual check (not part of the build, not a test): a headless Chromium (Debian's `chromium` package) does
// ICE + DTLS with a WebRtcTransport of the worker built by build.sh, on 127.0.0.1 only, then sends SRTP opus
// (from a WebAudio oscillator) that the worker must decrypt. This is the path that crashed with Debian's libssl.
//
//   MEDIASOUP_WORKER_BIN="$(bash scripts/mediasoup-worker/build.sh --print-path)" \
//     node scripts/mediasoup-worker/chromium-dtls-check.mjs [dir-with-mediasoup-and-ws-installed]
//
// `mediasoup` and `ws` are resolved from that directory (default: tests/, once mediasoup is a dependency there).
// Exit code 0 = DTLS connected and >= 50 SRTP packets decrypted. Bounded by a 30 s deadline.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const from = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '../../tests'));
const require = createRequire(path.join(from, 'package.json'));
const mediasoup = require('mediasoup');
const WebSocket = require('ws');

const TIMEOUT = 30_000;
let chrome;
const deadline = setTimeout(() => {
  console.error('TIMEOUT');
  chrome?.kill('SIGKILL');
  process.exit(2);
}, TIMEOUT);

const worker = await mediasoup.createWorker({
  logLevel: 'warn',
  workerBin: process.env.MEDIASOUP_WORKER_BIN,
});
worker.on('died', (e) => {
  console.error('WORKER DIED', e);
  chrome?.kill('SIGKILL');
  process.exit(3);
});
const router = await worker.createRouter({
  mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }],
});
const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
const dtlsConnected = new Promise((resolve, reject) =>
  transport.on('dtlsstatechange', (s) => {
    console.log('mediasoup dtlsstate:', s);
    if (s === 'connected') resolve();
    if (s === 'failed' || s === 'closed') reject(new Error(`dtls ${s}`));
  }),
);
transport.on('icestatechange', (s) => console.log('mediasoup icestate:', s));

const profile = mkdtempSync(path.join(os.tmpdir(), 'chr-'));
chrome = spawn(
  'chromium',
  [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--allow-loopback-in-peer-connection',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    'about:blank',
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const wsUrl = await new Promise((resolve) => {
  let buf = '';
  chrome.stderr.on('data', (d) => {
    buf += d;
    const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
});
// Browser endpoint -> find the page target.
const httpBase = wsUrl.replace(/^ws:\/\/([^/]+)\/.*$/, 'http://$1');
const targets = await (await fetch(`${httpBase}/json/list`)).json();
const page = targets.find((t) => t.type === 'page');
const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((r) => ws.on('open', r));
let nextId = 1;
const pending = new Map();
ws.on('message', (m) => {
  const msg = JSON.parse(m);
  if (msg.id && pending.has(msg.id)) {
    pending.get(msg.id)(msg);
    pending.delete(msg.id);
  }
});
async function evaluate(expression) {
  const id = nextId++;
  ws.send(
    JSON.stringify({
      id,
      method: 'Runtime.evaluate',
      params: { expression, awaitPromise: true, returnByValue: true },
    }),
  );
  const res = await new Promise((r) => pending.set(id, r));
  if (res.result?.exceptionDetails) throw new Error(JSON.stringify(res.result.exceptionDetails));
  return res.result.result.value;
}

const offer = await evaluate(`(async () => {
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  const dest = ctx.createMediaStreamDestination();
  osc.connect(dest);
  osc.start();
  await ctx.resume();
  const stream = dest.stream;
  window.pc = new RTCPeerConnection();
  pc.addTrack(stream.getAudioTracks()[0], stream);
  const o = await pc.createOffer();
  await pc.setLocalDescription(o);
  return o.sdp;
})()`);
const fp = offer.match(/a=fingerprint:sha-256 (\S+)/)[1];
const mid = offer.match(/a=mid:(\S+)/)[1];
const ssrc = Number(offer.match(/a=ssrc:(\d+) /)[1]);
const opusPt = Number(offer.match(/a=rtpmap:(\d+) opus\/48000\/2/)[1]);
console.log('browser offer: mid', mid, 'ssrc', ssrc, 'opus pt', opusPt);

await transport.connect({
  dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: fp }] },
});
const producer = await transport.produce({
  kind: 'audio',
  rtpParameters: {
    mid,
    codecs: [{ mimeType: 'audio/opus', payloadType: opusPt, clockRate: 48000, channels: 2 }],
    encodings: [{ ssrc }],
  },
});

const { iceParameters, iceCandidates, dtlsParameters } = transport;
const myFp = dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256').value;
const cand = iceCandidates[0];
const answer = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=ice-lite',
  `a=group:BUNDLE ${mid}`,
  'a=msid-semantic: WMS',
  `m=audio ${cand.port} UDP/TLS/RTP/SAVPF ${opusPt}`,
  'c=IN IP4 127.0.0.1',
  `a=mid:${mid}`,
  'a=recvonly',
  'a=rtcp-mux',
  `a=rtpmap:${opusPt} opus/48000/2`,
  `a=ice-ufrag:${iceParameters.usernameFragment}`,
  `a=ice-pwd:${iceParameters.password}`,
  `a=fingerprint:sha-256 ${myFp}`,
  'a=setup:passive',
  `a=candidate:${cand.foundation} 1 udp ${cand.priority} ${cand.address} ${cand.port} typ host`,
  'a=end-of-candidates',
  '',
].join('\r\n');
await evaluate(
  `pc.setRemoteDescription({ type: 'answer', sdp: ${JSON.stringify(answer)} }).then(() => 'ok')`,
);

await dtlsConnected;
console.log(
  'DTLS connected; browser state:',
  await evaluate(`(async () => {
  for (let i = 0; i < 100 && pc.connectionState !== 'connected'; i++) await new Promise(r => setTimeout(r, 50));
  return pc.connectionState;
})()`),
);
// Let SRTP audio flow, then read the producer's stats.
let stats;
for (let i = 0; i < 100; i++) {
  stats = (await producer.getStats()).find((s) => s.type === 'inbound-rtp');
  if (stats && stats.packetCount >= 50) break;
  await new Promise((r) => setTimeout(r, 100));
}
console.log('producer inbound-rtp packetCount:', stats?.packetCount, 'bytes:', stats?.byteCount);
const ok = stats && stats.packetCount >= 50;
clearTimeout(deadline);
ws.close();
chrome.kill();
await new Promise((r) => chrome.once('exit', r));
worker.close();
rmSync(profile, { recursive: true, force: true });
console.log(ok ? 'DTLS+SRTP with Chromium: OK' : 'no SRTP audio decrypted');
process.exit(ok ? 0 : 1);
