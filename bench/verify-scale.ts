// How the target-mode verification grows with the number of spans: 1k, 10k, 100k and 1M spans,
// each size measured in its own process (so peak memory is that size's alone), in two shapes:
// one probe whose trace holds every span, and many probes of 100-span traces. The spans take the
// real path: services' export batches (512 spans, OTLP/protobuf, the attributes OpenTelemetry JS's
// HTTP instrumentation writes) go through the receiver's decoder into its span store, and the
// stored records are what `verifyTarget` judges. The per-span cost is quoted against the 1k case
// of the same shape measured in the same run: flat means linear. Memory is quoted against the
// raw span data, the OTLP/protobuf bytes the services sent.
// Usage: node --import tsx bench/verify-scale.ts [sizes, default 1000,10000,100000,1000000]
// Knobs: VERIFY_SCALE_SHAPES=one-trace|many-traces (default both); VERIFY_SCALE_PROFILE=<path
// prefix> writes a CPU profile of the timed verifications of each size.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { protobufSource } from '../src/receiver/decode-protobuf';
import { ingest } from '../src/receiver/ingest';
import { build, MANY_TRACE_SPANS, type Shape } from './verify-scale/traces';
import { SpanStore } from '../src/receiver/span-store';
import { verifyTarget, type TargetProbe } from '../src/verify/target';
import type { SpanRecord } from '../src/verify/types';

/** The receiver's side: every request of the file through its decoder into its span store. */
async function receive(path: string): Promise<{ store: SpanStore; protobufBytes: number }> {
  const store = new SpanStore(Number.MAX_SAFE_INTEGER);
  const fd = openSync(path, 'r');
  let protobufBytes = 0;
  try {
    const length = Buffer.alloc(4);
    while (readSync(fd, length, 0, 4, null) === 4) {
      // A fresh buffer per request, as an HTTP body arrives.
      const body = Buffer.alloc(length.readUInt32BE());
      if (readSync(fd, body, 0, body.length, null) !== body.length) throw new Error('cut short');
      protobufBytes += body.length;
      const outcome = await ingest(protobufSource(body), store);
      if (outcome.rejectedSpans)
        throw new Error(`the receiver refused spans: ${outcome.errorMessage}`);
    }
  } finally {
    closeSync(fd);
  }
  return { store, protobufBytes };
}

function verify(probes: TargetProbe[], spans: readonly SpanRecord[]): void {
  const result = verifyTarget({
    probes,
    spans,
    expectServices: ['service-0', 'service-1', 'service-4'],
    header: 'traceparent',
  });
  if (!result.passed) throw new Error(`the synthetic trace failed: ${result.failedChecks.join()}`);
}

/** `VERIFY_SCALE_PROFILE=<path prefix>`: a CPU profile of the verifications alone, per size. */
async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  const post = promisify(session.post.bind(session)) as (method: string) => Promise<unknown>;
  await post('Profiler.enable');
  await post('Profiler.start');
  return session;
}

async function stopProfile(session: Session, path: string): Promise<void> {
  const { profile } = await new Promise<{ profile: object }>((resolve, reject) =>
    session.post('Profiler.stop', (error, result) =>
      error ? reject(error) : resolve(result as { profile: object }),
    ),
  );
  writeFileSync(path, JSON.stringify(profile));
  session.disconnect();
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/**
 * In a child: receive the requests of `files.spans`, verify them several times, print the CPU
 * ms per verification and memory. `files.warm`: a small set of the same shape, received and
 * verified first so the receiver and the verifier are compiled before anything is measured.
 */
async function measure(files: Files): Promise<void> {
  const read = (path: string): TargetProbe[] =>
    JSON.parse(readFileSync(path, 'utf8')) as TargetProbe[];
  for (let round = 0; round < 3; round += 1) {
    const warm = (await receive(files.warm)).store.spans();
    const warmProbes = read(files.warmProbes);
    for (let index = 0; index < 20; index += 1) verify(warmProbes, warm);
  }
  const probes = read(files.probes);
  gc();
  const before = process.memoryUsage();
  const { store, protobufBytes } = await receive(files.spans);
  gc();
  const stored = process.memoryUsage();
  const receivingPeakKiB = process.resourceUsage().maxRSS;
  const spans = store.spans();
  const profile = process.env['VERIFY_SCALE_PROFILE'];
  const session = profile === undefined ? undefined : await startProfile();
  // Small sizes repeat until about half a second of work, so timer noise stays small. Time is
  // CPU time (user + system, GC threads included): on a shared machine, time spent waiting for a
  // core would otherwise land on whichever size ran while the machine was busiest.
  const times: number[] = [];
  const walls: number[] = [];
  let spent = 0;
  while (times.length < 3 || (spent < 500 && times.length < 200)) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    verify(probes, spans);
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - started;
    times.push((used.user + used.system) / 1e3);
    walls.push(ms);
    spent += ms;
  }
  if (session !== undefined) await stopProfile(session, `${profile!}-${spans.length}.cpuprofile`);
  times.sort((a, b) => a - b);
  walls.sort((a, b) => a - b);
  const MiB = 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({
      size: store.stats().acceptedSpans,
      probes: probes.length,
      runs: times.length,
      ms: times[Math.floor(times.length / 2)],
      wallMs: walls[Math.floor(walls.length / 2)],
      protobufMiB: protobufBytes / MiB,
      storedMiB: (stored.heapUsed + stored.external - before.heapUsed - before.external) / MiB,
      baseRssMiB: before.rss / MiB,
      storedRssMiB: stored.rss / MiB,
      receivingPeakRssMiB: receivingPeakKiB / 1024,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

interface Row {
  size: number;
  probes: number;
  runs: number;
  ms: number;
  wallMs: number;
  protobufMiB: number;
  storedMiB: number;
  baseRssMiB: number;
  storedRssMiB: number;
  receivingPeakRssMiB: number;
  peakRssMiB: number;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await measure(JSON.parse(process.argv[3]!) as Files);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'verify-scale-'));
  try {
    await table(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Files {
  warm: string;
  warmProbes: string;
  spans: string;
  probes: string;
}

async function table(dir: string): Promise<void> {
  const sizes = (process.argv[2] ?? '1000,10000,100000,1000000').split(',').map(Number);
  console.log(
    `target verification by number of spans, one process per size, node ${process.version}`,
  );
  console.log(
    'raw span data = the OTLP/protobuf bytes the services exported; stored = JS heap the ' +
      "receiver's span records and index hold; peak over base = the process's peak RSS minus its " +
      'RSS before any span (receiver and verifier together)\n',
  );
  // `VERIFY_SCALE_SHAPES=many-traces`: one shape only.
  const shapes = (process.env['VERIFY_SCALE_SHAPES'] ?? 'one-trace,many-traces').split(',');
  for (const shape of shapes as Shape[]) {
    console.log(
      `${shape === 'one-trace' ? 'one probe, one trace of every span' : `many probes, one trace of ${MANY_TRACE_SPANS} spans each`}:\n`,
    );
    console.log(
      '| spans | probes | verify CPU ms (median) | wall ms (median) | ns per span | per-span cost vs 1k | raw span data (protobuf) MiB | stored MiB | stored / raw | RSS once stored MiB | peak RSS while receiving MiB | peak RSS MiB | peak over base MiB | peak over base / raw |',
    );
    console.log(
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    let base: number | undefined;
    for (const size of sizes) {
      const files: Files = {
        warm: join(dir, 'warm.bin'),
        warmProbes: join(dir, 'warm.json'),
        spans: join(dir, 'spans.bin'),
        probes: join(dir, 'probes.json'),
      };
      writeFileSync(files.warmProbes, JSON.stringify(build(4000, shape, files.warm)));
      writeFileSync(files.probes, JSON.stringify(build(size, shape, files.spans)));
      // Node's default heap limit, as the action runs.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', import.meta.filename, '--child', JSON.stringify(files)],
        { encoding: 'utf8', timeout: 600_000 },
      );
      const row = JSON.parse(stdout.trim()) as Row;
      const perSpan = (row.ms * 1e6) / row.size;
      base ??= perSpan;
      const overBase = row.peakRssMiB - row.baseRssMiB;
      // Below a MiB the heap's own noise (a collection during the warm-up) is larger than the data.
      const stored =
        row.storedMiB < 1
          ? '< 1 | -'
          : `${row.storedMiB.toFixed(1)} | ${(row.storedMiB / row.protobufMiB).toFixed(2)}`;
      console.log(
        `| ${row.size.toLocaleString('en')} | ${row.probes.toLocaleString('en')} | ${row.ms.toFixed(2)} | ${row.wallMs.toFixed(2)} | ${perSpan.toFixed(0)} | ${(perSpan / base).toFixed(2)} | ${row.protobufMiB.toFixed(1)} | ${stored} | ${row.storedRssMiB.toFixed(0)} | ${row.receivingPeakRssMiB.toFixed(0)} | ${row.peakRssMiB.toFixed(0)} | ${overBase.toFixed(0)} | ${(overBase / row.protobufMiB).toFixed(2)} |`,
      );
    }
    console.log('');
  }
}

void main();
