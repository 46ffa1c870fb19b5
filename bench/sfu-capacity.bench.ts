// SFU capacity of one mediasoup worker on this machine: one 500 kbit/s VP8 producer (a pre-encoded clip replayed
// as RTP by ffmpeg, so no encoder competes for the CPU) and N consumers on PlainTransports whose packets go to
// loopback UDP sinks that count them. N grows until the worker uses a whole core or packets stop arriving.
// mediasoup's documentation (https://mediasoup.org/documentation/v3/scalability): "Depending on the host CPU
// capabilities, a mediasoup C++ subprocess can typically handle over ~500 consumers in total."
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  encodeClip,
  LOOPBACK,
  MEDIA_CODECS,
  type PlainTransport,
  startRtpSource,
  startWorker,
} from '../tests/support/rtp-source.ts';
import type { BenchReport } from './report.ts';

const STEPS = [50, 100, 200, 400, 600, 800, 1000, 1250, 1500];
/** Consumers created concurrently (each is three requests to the worker). */
const CREATE_BATCH = 50;
const VIDEO_KBPS = 500;
/** Consumers get their first keyframe within one clip keyframe interval; measure after that. */
const WARMUP_MS = 1200;
const MEASURE_MS = 2500;
const SINKS = 4;
/** Stop growing once the worker uses this share of one core, or delivers less than this share of packets. */
const CPU_LIMIT = 0.9;
const DELIVERY_LIMIT = 0.95;

interface Step {
  consumers: number;
  workerCpu: number;
  /** Packets the sinks got over N times what the producer received in the same window. */
  deliveredShare: number;
  /** Packets per second the producer received in this step (falls when the source or the worker falls behind). */
  producerPps: number;
  /** Datagrams the kernel dropped in this step: at the worker's producer socket (worker not reading fast enough). */
  producerSocketDrops: number;
  /** ... and at the counting sinks (this process not reading fast enough). */
  sinkDrops: number;
  packetsPerSecond: number;
  mbitPerSecond: number;
  workerRssMiB: number;
  /** 1-minute load average of the machine: on shared cores, other work takes CPU time from the worker. */
  loadAverage: number;
}

interface Sink {
  port: number;
  packets: number;
  bytes: number;
  socket: dgram.Socket;
}

async function startSink(): Promise<Sink> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  const sink: Sink = { port: 0, packets: 0, bytes: 0, socket };
  socket.on('message', (msg) => {
    // Count RTP only: the consumers' RTCP sender reports (types 200-207, 72-79 without the marker bit) also come here.
    const type = (msg[1] ?? 0) & 0x7f;
    if (type >= 72 && type <= 79) return;
    sink.packets++;
    sink.bytes += msg.length;
  });
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  sink.port = socket.address().port;
  return sink;
}

/**
 * Below the CPU limit, delivering (nearly) every packet, and the worker reading its producer socket fast enough
 * that the kernel drops nothing there (drops mean the worker was not scheduled or could not keep up).
 */
const isHealthy = (s: Step): boolean =>
  s.workerCpu < CPU_LIMIT && s.deliveredShare >= DELIVERY_LIMIT && s.producerSocketDrops === 0;

/** Datagrams the kernel dropped on the UDP sockets bound to `ports` (the last column of /proc/net/udp). */
async function udpDrops(ports: number[]): Promise<number> {
  const wanted = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, '0')));
  const table = await readFile('/proc/net/udp', 'utf8');
  let drops = 0;
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const port = fields[1]?.split(':')[1];
    if (port && wanted.has(port)) drops += Number(fields.at(-1) ?? 0);
  }
  return drops;
}

export default async function run(): Promise<BenchReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'consulta-sfu-bench-'));
  const worker = await startWorker((err) => console.error('mediasoup worker died', err));
  const sinks = await Promise.all(Array.from({ length: SINKS }, startSink));
  try {
    const clip = await encodeClip({
      path: path.join(dir, 'clip.mkv'),
      seconds: 10,
      width: 640,
      height: 360,
      fps: 30,
      videoKbps: VIDEO_KBPS,
      keyframeSeconds: 1,
    });
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const source = await startRtpSource({ router, clipPath: clip, audio: false });
    const producer = source.video!;
    const transports: PlainTransport[] = [];
    const steps: Step[] = [];
    const cpuMs = async () => {
      const u = await worker.getResourceUsage();
      return { cpu: u.ru_utime + u.ru_stime, rssKiB: u.ru_maxrss };
    };
    const producerPackets = async () => {
      const stats = (await producer.getStats()) as Array<{ packetCount?: number }>;
      return stats.reduce((sum, s) => sum + (s.packetCount ?? 0), 0);
    };

    const kernelDrops = async () => ({
      producer: await udpDrops(source.ports),
      sinks: await udpDrops(sinks.map((k) => k.port)),
    });
    for (const target of STEPS) {
      while (transports.length < target) {
        const batch = Math.min(CREATE_BATCH, target - transports.length);
        const created = await Promise.all(
          Array.from({ length: batch }, async (_, i) => {
            const transport = await router.createPlainTransport({
              listenInfo: { protocol: 'udp', ip: LOOPBACK },
              rtcpMux: true,
              comedia: false,
            });
            await transport.connect({ ip: LOOPBACK, port: sinks[(transports.length + i) % SINKS]!.port });
            await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
            return transport;
          }),
        );
        transports.push(...created);
      }
      await sleep(WARMUP_MS);
      const dropsBefore = await kernelDrops();
      const before = { usage: await cpuMs(), produced: await producerPackets(), at: performance.now() };
      const sinkBefore = sinks.reduce((s, k) => ({ p: s.p + k.packets, b: s.b + k.bytes }), { p: 0, b: 0 });
      await sleep(MEASURE_MS);
      const after = { usage: await cpuMs(), produced: await producerPackets(), at: performance.now() };
      const dropsAfter = await kernelDrops();
      const sinkAfter = sinks.reduce((s, k) => ({ p: s.p + k.packets, b: s.b + k.bytes }), { p: 0, b: 0 });
      const seconds = (after.at - before.at) / 1000;
      const received = sinkAfter.p - sinkBefore.p;
      const producerPps = (after.produced - before.produced) / seconds;
      const step: Step = {
        consumers: target,
        workerCpu: (after.usage.cpu - before.usage.cpu) / (after.at - before.at),
        deliveredShare: received / Math.max(1, (after.produced - before.produced) * target),
        producerPps,
        producerSocketDrops: dropsAfter.producer - dropsBefore.producer,
        sinkDrops: dropsAfter.sinks - dropsBefore.sinks,
        packetsPerSecond: received / seconds,
        mbitPerSecond: ((sinkAfter.b - sinkBefore.b) * 8) / seconds / 1e6,
        workerRssMiB: after.usage.rssKiB / 1024,
        loadAverage: os.loadavg()[0] ?? 0,
      };
      steps.push(step);
      // A saturated core ends the run; so do two unhealthy steps in a row (one can be a neighbour's burst).
      const previous = steps.at(-2);
      if (step.workerCpu >= CPU_LIMIT) break;
      if (!isHealthy(step) && previous && !isHealthy(previous)) break;
    }
    await source.stop();

    const healthy = steps.filter(isHealthy);
    const capacity = healthy.at(-1)?.consumers ?? 0;
    const saturated = steps.at(-1) !== healthy.at(-1);
    const perConsumerCpu = healthy.length > 0 ? healthy.at(-1)!.workerCpu / healthy.at(-1)!.consumers : NaN;
    const projected = Math.floor(CPU_LIMIT / perConsumerCpu);
    return {
      name: 'sfu-capacity',
      results: {
        producer: { codec: 'VP8', kbps: VIDEO_KBPS },
        limits: { cpu: CPU_LIMIT, delivered: DELIVERY_LIMIT },
        steps,
        capacity: { consumers: capacity, saturated, projectedAtCpuLimit: projected },
        mediasoupDocumented: {
          consumersPerWorker: 500,
          source: 'https://mediasoup.org/documentation/v3/scalability',
          quote:
            'Depending on the host CPU capabilities, a mediasoup C++ subprocess can typically handle over ~500 consumers in total.',
        },
      },
      tables: [
        {
          title: `One worker, one ${VIDEO_KBPS} kbit/s VP8 producer, N PlainTransport consumers to loopback sinks`,
          columns: [
            'consumers',
            'worker CPU (core)',
            'delivered',
            'producer pkt/s',
            'out pkt/s',
            'out Mbit/s',
            'drops in/out',
            'worker RSS MiB',
            'load avg',
          ],
          rows: steps.map((s) => [
            s.consumers,
            s.workerCpu,
            s.deliveredShare,
            Math.round(s.producerPps),
            Math.round(s.packetsPerSecond),
            s.mbitPerSecond,
            `${s.producerSocketDrops}/${s.sinkDrops}`,
            Math.round(s.workerRssMiB),
            s.loadAverage,
          ]),
        },
        {
          title: 'Capacity vs mediasoup documentation ("over ~500 consumers in total" per worker)',
          columns: ['measured (largest healthy step)', 'saturated', 'projected at CPU limit', 'documented'],
          rows: [[capacity, saturated ? 'yes' : 'no (steps ran out)', projected, '~500']],
        },
      ],
    };
  } finally {
    worker.close();
    for (const sink of sinks) sink.socket.close();
    await rm(dir, { recursive: true, force: true });
  }
}
