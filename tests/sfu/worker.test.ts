// Runs the mediasoup worker built offline by scripts/mediasoup-worker/build.sh and pushes real RTP through it,
// on loopback only: a Node dgram socket sends hand-built opus RTP into a PlainTransport (comedia), the worker
// forwards it to consumers whose PlainTransports send it on to dgram sockets bound here. It covers:
//   - plain RTP through one router (producer -> consumer), checked packet by packet and in getStats();
//   - pipeToRouter between routers on two workers, with SRTP on the pipe (libsrtp through the build's
//     libsrtp 3 -> libsrtp 2 shim, both protect and unprotect);
//   - SRTP between two PlainTransports for each crypto suite mediasoup offers.
// The worker binary comes from MEDIASOUP_WORKER_BIN (scripts/run-tests.mjs sets it from build.sh); without it
// the suite fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type * as Mediasoup from 'mediasoup';

type Ms = typeof Mediasoup;
type Worker = Mediasoup.types.Worker;
type Router = Mediasoup.types.Router;
type Producer = Mediasoup.types.Producer;
type RtpCodecCapability = Mediasoup.types.RouterRtpCodecCapability;

const LOOPBACK = '127.0.0.1';
const OPUS_PT = 111;
const PRODUCER_SSRC = 0x11223344;
/** Packets that must arrive at every receiver. */
const WANTED = 20;
/** Upper bound on a pump: the loop stops by itself, whatever happens. */
const PUMP_LIMIT_MS = 10_000;
const PUMP_INTERVAL_MS = 5;

const mediaCodecs: RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

const workerBin = process.env.MEDIASOUP_WORKER_BIN;

/** A dummy opus frame: a TOC byte (CELT FB 20 ms, mono, 1 frame) then bytes that carry the sequence number. */
function opusPayload(seq: number): Buffer {
  const payload = Buffer.alloc(40, 0xa5);
  payload[0] = 0xfc;
  payload.writeUInt16BE(seq, 1);
  return payload;
}

/** RFC 3550 fixed header (V=2, no padding, no extension, no CSRC), marker clear. */
function rtpPacket(
  seq: number,
  timestamp: number,
  ssrc: number,
  payloadType: number,
  payload: Buffer,
): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = payloadType & 0x7f;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([header, payload]);
}

interface ParsedRtp {
  version: number;
  payloadType: number;
  seq: number;
  ssrc: number;
  payload: Buffer;
}

/** Parses RTP, skipping CSRCs and a header extension (mediasoup may add one). Returns null for RTCP. */
function parseRtp(msg: Buffer): ParsedRtp | null {
  if (msg.length < 12) return null;
  const payloadType = msg[1]! & 0x7f;
  // RTCP packet types 200-207 land on 72-79 once the marker bit is stripped.
  if (payloadType >= 72 && payloadType <= 79) return null;
  let offset = 12 + (msg[0]! & 0x0f) * 4;
  if (msg[0]! & 0x10) {
    const words = msg.readUInt16BE(offset + 2);
    offset += 4 + words * 4;
  }
  let end = msg.length;
  if (msg[0]! & 0x20) end -= msg[msg.length - 1]!;
  return {
    version: msg[0]! >> 6,
    payloadType,
    seq: msg.readUInt16BE(2),
    ssrc: msg.readUInt32BE(8),
    payload: msg.subarray(offset, end),
  };
}

interface Receiver {
  port: number;
  packets: ParsedRtp[];
  close: () => Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const socket = dgram.createSocket('udp4');
  const packets: ParsedRtp[] = [];
  socket.on('message', (msg) => {
    const rtp = parseRtp(msg);
    if (rtp) packets.push(rtp);
  });
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return {
    port: socket.address().port,
    packets,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

interface Sender {
  /** Sends RTP until every receiver holds `WANTED` packets (or the time limit passes); returns packets sent. */
  pumpUntil: (receivers: Receiver[]) => Promise<number>;
  close: () => Promise<void>;
}

async function startSender(port: number): Promise<Sender> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  let seq = 1000;
  let timestamp = 960_000;
  const sendOne = () => {
    const packet = rtpPacket(seq, timestamp, PRODUCER_SSRC, OPUS_PT, opusPayload(seq));
    seq = (seq + 1) & 0xffff;
    timestamp += 960;
    return new Promise<void>((resolve, reject) =>
      socket.send(packet, port, LOOPBACK, (err) => (err ? reject(err) : resolve())),
    );
  };
  return {
    pumpUntil: (receivers) =>
      new Promise<number>((resolve, reject) => {
        let sent = 0;
        const started = Date.now();
        const tick = () => {
          if (receivers.every((r) => r.packets.length >= WANTED)) {
            clearInterval(timer);
            resolve(sent);
          } else if (Date.now() - started > PUMP_LIMIT_MS) {
            clearInterval(timer);
            const got = receivers.map((r) => r.packets.length).join(', ');
            reject(
              new Error(`RTP did not arrive: sent ${sent}, receivers got [${got}], wanted ${WANTED} each`),
            );
          } else {
            sent++;
            sendOne().catch((err) => {
              clearInterval(timer);
              reject(err);
            });
          }
        };
        const timer = setInterval(tick, PUMP_INTERVAL_MS);
      }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A producing PlainTransport on `router` (comedia: the worker learns our address from the first packet). */
async function plainProducer(router: Router): Promise<{ producer: Producer; port: number }> {
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: LOOPBACK },
    rtcpMux: true,
    comedia: true,
  });
  const producer = await transport.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: OPUS_PT, clockRate: 48000, channels: 2 }],
      encodings: [{ ssrc: PRODUCER_SSRC }],
    },
  });
  return { producer, port: transport.tuple.localPort };
}

/** Consumes `producerId` on `router` through a PlainTransport that sends to a fresh dgram receiver. */
async function plainConsumer(router: Router, producerId: string) {
  const receiver = await startReceiver();
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: LOOPBACK },
    rtcpMux: true,
    comedia: false,
  });
  await transport.connect({ ip: LOOPBACK, port: receiver.port });
  const consumer = await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities });
  return { receiver, consumer, transport };
}

/** Checks every received packet: consumer's payload type and SSRC, and the payload bytes we sent, untouched. */
function assertForwarded(receiver: Receiver, consumer: Mediasoup.types.Consumer): void {
  const payloadType = consumer.rtpParameters.codecs[0]!.payloadType;
  const ssrc = consumer.rtpParameters.encodings![0]!.ssrc;
  assert.ok(receiver.packets.length >= WANTED);
  for (const rtp of receiver.packets) {
    assert.equal(rtp.version, 2);
    assert.equal(rtp.payloadType, payloadType);
    assert.equal(rtp.ssrc, ssrc);
    const sentSeq = rtp.payload.readUInt16BE(1);
    assert.deepEqual(rtp.payload, opusPayload(sentSeq), 'payload must be forwarded byte for byte');
  }
}

function statPacketCount(stats: { type: string }[], type: string): number {
  const entry = stats.find((s) => s.type === type) as { packetCount?: number } | undefined;
  assert.ok(entry, `no "${type}" entry in ${JSON.stringify(stats)}`);
  return entry.packetCount ?? 0;
}

describe('mediasoup worker (built by scripts/mediasoup-worker/build.sh)', () => {
  let mediasoup: Ms;
  const workers: Worker[] = [];
  const closers: (() => Promise<void>)[] = [];

  async function newWorker(): Promise<Worker> {
    const worker = await mediasoup.createWorker({ logLevel: 'warn', workerBin });
    workers.push(worker);
    worker.on('died', (err) => assert.fail(`mediasoup worker ${worker.pid} died: ${err}`));
    return worker;
  }

  before(async () => {
    assert.ok(
      workerBin,
      'MEDIASOUP_WORKER_BIN must point at the worker built by scripts/mediasoup-worker/build.sh',
    );
    assert.ok(existsSync(workerBin), `MEDIASOUP_WORKER_BIN does not exist: ${workerBin}`);
    mediasoup = await import('mediasoup');
  });

  after(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    for (const worker of workers.splice(0)) worker.close();
  });

  test('the binary carries OpenSSL statically (no libssl/libcrypto from the system)', () => {
    const ldd = spawnSync('ldd', [workerBin!], { encoding: 'utf8' });
    assert.equal(ldd.status, 0, ldd.stderr);
    assert.doesNotMatch(ldd.stdout, /lib(ssl|crypto)\.so/);
    assert.doesNotMatch(ldd.stdout, /not found/);
  });

  test('starts, reports its version and answers requests', async () => {
    const worker = await newWorker();
    assert.equal(mediasoup.version, '3.27.1');
    assert.ok(worker.pid > 0);
    const usage = await worker.getResourceUsage();
    assert.equal(typeof usage.ru_maxrss, 'number');
    const dump = await worker.dump();
    assert.equal(dump.pid, worker.pid);
  });

  test('forwards opus RTP from one PlainTransport to another, and across workers with pipeToRouter (SRTP)', async () => {
    const [worker1, worker2] = [await newWorker(), await newWorker()];
    const router1 = await worker1.createRouter({ mediaCodecs });
    const router2 = await worker2.createRouter({ mediaCodecs });
    assert.ok(router1.rtpCapabilities.codecs?.some((c) => c.mimeType === 'video/VP8'));

    const { producer, port } = await plainProducer(router1);
    // Same router: producer -> consumer.
    const local = await plainConsumer(router1, producer.id);
    closers.push(local.receiver.close);
    // Other worker: pipe transports with SRTP between the two routers.
    const { pipeProducer } = await router1.pipeToRouter({
      producerId: producer.id,
      router: router2,
      enableSrtp: true,
    });
    assert.ok(pipeProducer);
    const remote = await plainConsumer(router2, pipeProducer.id);
    closers.push(remote.receiver.close);

    const sender = await startSender(port);
    closers.push(sender.close);
    const sent = await sender.pumpUntil([local.receiver, remote.receiver]);

    assertForwarded(local.receiver, local.consumer);
    assertForwarded(remote.receiver, remote.consumer);

    const inbound = statPacketCount(await producer.getStats(), 'inbound-rtp');
    assert.ok(
      inbound >= WANTED && inbound <= sent,
      `producer inbound-rtp packetCount ${inbound}, sent ${sent}`,
    );
    const outbound = statPacketCount(await local.consumer.getStats(), 'outbound-rtp');
    assert.ok(outbound >= WANTED, `consumer outbound-rtp packetCount ${outbound}`);
    const pipedIn = statPacketCount(await pipeProducer.getStats(), 'inbound-rtp');
    assert.ok(pipedIn >= WANTED, `pipe producer inbound-rtp packetCount ${pipedIn}`);
    const [transportStats] = await local.transport.getStats();
    assert.ok(transportStats && transportStats.rtpBytesSent > 0);
  });

  for (const cryptoSuite of [
    'AEAD_AES_256_GCM',
    'AEAD_AES_128_GCM',
    'AES_CM_128_HMAC_SHA1_80',
    'AES_CM_128_HMAC_SHA1_32',
  ] as const) {
    test(`SRTP between two PlainTransports with ${cryptoSuite}`, async () => {
      const worker = workers[0] ?? (await newWorker());
      const [routerA, routerB] = [
        await worker.createRouter({ mediaCodecs }),
        await worker.createRouter({ mediaCodecs }),
      ];
      const { producer, port } = await plainProducer(routerA);

      // routerA sends SRTP out of `out`, routerB receives it on `in` and decrypts.
      const srtpOptions = {
        listenInfo: { protocol: 'udp' as const, ip: LOOPBACK },
        rtcpMux: true,
        comedia: false,
        enableSrtp: true,
        srtpCryptoSuite: cryptoSuite,
      };
      const out = await routerA.createPlainTransport(srtpOptions);
      const inp = await routerB.createPlainTransport(srtpOptions);
      assert.equal(out.srtpParameters?.cryptoSuite, cryptoSuite);
      await out.connect({ ip: LOOPBACK, port: inp.tuple.localPort, srtpParameters: inp.srtpParameters });
      await inp.connect({ ip: LOOPBACK, port: out.tuple.localPort, srtpParameters: out.srtpParameters });
      const bridged = await out.consume({
        producerId: producer.id,
        rtpCapabilities: routerB.rtpCapabilities,
      });
      const bridgedProducer = await inp.produce({ kind: 'audio', rtpParameters: bridged.rtpParameters });

      const sink = await plainConsumer(routerB, bridgedProducer.id);
      closers.push(sink.receiver.close);
      const sender = await startSender(port);
      closers.push(sender.close);
      await sender.pumpUntil([sink.receiver]);
      assertForwarded(sink.receiver, sink.consumer);
      const decrypted = statPacketCount(await bridgedProducer.getStats(), 'inbound-rtp');
      assert.ok(decrypted >= WANTED, `SRTP receiver decrypted ${decrypted} packets`);
      routerA.close();
      routerB.close();
    });
  }
});
