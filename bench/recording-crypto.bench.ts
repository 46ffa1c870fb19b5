// What sealing recordings at rest costs (docs/recording.md, "Encrypted at rest"), in the same run as the baseline:
// N MiB fed through the streams the recorder uses, in the 64 KiB pieces a pipe delivers, written to a file on the
// same disk. Baseline: what the recorder did before (write the file, SHA-256 it); sealed: SealStream (AES-256-GCM
// chunks + SHA-256 of the plaintext) into the file; open: OpenStream reading a sealed file back (what the remux
// feeds FFmpeg, and a download's verify and stream passes each do). CPU is this process's user+system time, so
// the figures hold on a machine shared with other work; wall time does not.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Keyring, newMasterKey, OpenStream, SealStream } from '../apps/server/src/recording/at-rest/index.ts';
import type { BenchReport } from './report.ts';

const MIB = 1024 * 1024;
const SIZE_MIB = 64;
const RUNS = 5;
const PIECE = 64 * 1024;
/** A recorded participant: VP8 at 800 kbit/s + Opus at 32 kbit/s (bench/recording.bench.ts sends the same). */
const STREAM_KBIT = 832;
const MIB_PER_STREAM_MINUTE = (STREAM_KBIT * 1000 * 60) / 8 / MIB;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(work: () => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

function source(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += PIECE) yield data.subarray(at, at + PIECE);
    })(),
  );
}

export default async function run(): Promise<BenchReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'consulta-bench-crypto-'));
  const keyring = new Keyring({ current: 'bench', keys: { bench: newMasterKey() } });
  // Random bytes: like compressed video, nothing for the disk or page cache to shortcut.
  const data = randomBytes(SIZE_MIB * MIB);
  const samples: Record<'plain' | 'sealed' | 'open', Sample[]> = { plain: [], sealed: [], open: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      const plainFile = path.join(dir, `plain-${i}.bin`);
      const sealedFile = path.join(dir, `sealed-${i}.bin`);
      samples.plain.push(
        await measure(async () => {
          const hash = createHash('sha256');
          const tap = new PassThrough().on('data', (c: Buffer) => hash.update(c));
          await pipeline(source(data), tap, createWriteStream(plainFile));
          hash.digest('hex');
        }),
      );
      samples.sealed.push(
        await measure(() => pipeline(source(data), new SealStream(keyring), createWriteStream(sealedFile))),
      );
      samples.open.push(
        await measure(() =>
          pipeline(
            createReadStream(sealedFile),
            new OpenStream(keyring),
            new Writable({ write: (_c, _e, done) => done() }),
          ),
        ),
      );
      await rm(plainFile);
      await rm(sealedFile);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const row = (name: string, s: Sample[]) => {
    const cpuPerMiB = median(s.map((x) => x.cpuMs)) / SIZE_MIB;
    return {
      name,
      mibPerSecond: SIZE_MIB / (median(s.map((x) => x.wallMs)) / 1000),
      cpuMsPerMiB: cpuPerMiB,
      cpuMsPerStreamMinute: cpuPerMiB * MIB_PER_STREAM_MINUTE,
    };
  };
  const plain = row('baseline: write + SHA-256 (before)', samples.plain);
  const sealed = row('seal: AES-256-GCM 64 KiB chunks + SHA-256, write', samples.sealed);
  const open = row('open: read + verify + decrypt', samples.open);
  // Per recorded stream the pipeline now seals its track file, opens it for the remux and seals the final file, in
  // Node; before, FFmpeg wrote both files itself and Node read the final file once to hash it (the baseline row).
  const pipelineExtra =
    2 * sealed.cpuMsPerStreamMinute + open.cpuMsPerStreamMinute - plain.cpuMsPerStreamMinute;
  return {
    name: 'recording-crypto',
    tables: [
      {
        title: `Recording at rest: ${SIZE_MIB} MiB through each stream, median of ${RUNS} runs (stream-minute = ${STREAM_KBIT} kbit/s = ${MIB_PER_STREAM_MINUTE.toFixed(2)} MiB)`,
        columns: ['path', 'MiB/s (wall)', 'CPU ms / MiB', 'CPU ms / stream-minute'],
        rows: [plain, sealed, open].map((r) => [
          r.name,
          r.mibPerSecond,
          r.cpuMsPerMiB,
          r.cpuMsPerStreamMinute,
        ]),
      },
      {
        title:
          'Added Node CPU per recorded stream-minute (2 seals + 1 open, minus the hash pass it replaces)',
        columns: ['CPU ms / stream-minute', 'share of one core'],
        rows: [[pipelineExtra, `${((pipelineExtra / 60_000) * 100).toFixed(3)} %`]],
      },
    ],
    results: {
      sizeMiB: SIZE_MIB,
      runs: RUNS,
      streamKbit: STREAM_KBIT,
      plain,
      sealed,
      open,
      pipelineExtraCpuMsPerStreamMinute: pipelineExtra,
      samples,
    },
  };
}
