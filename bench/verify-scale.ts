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
// prefix> writes a CPU profile of the timed verifications of each size; VERIFY_SCALE_ROUNDS=<n>
// (default 1) measures every size n times, in turn, and quotes the medians;
// VERIFY_SCALE_BEFORE=<checkout> also measures that checkout's `verifyTarget` and receiver (same
// spans, its own process, right after this one's) for a before / after table.
// Method (fair to the large sizes and to the 1k baseline alike): a size under 100k spans is
// measured in 3 processes per round (their median), spread before and after the larger ones, a
// larger one in 1; each process compiles the receiver and the verifier first (warm-up); from 100k
// spans on, every timed verification starts after a full collection and a pause for the
// collector's background threads to finish, so no garbage of the receiver or of the previous run
// is collected inside a timed run; the collections that still happen inside the timed runs (the
// verifier's own) are counted and their pauses shown.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProfile, stopProfile } from './verify-scale/profile';
import { inTurn, spread } from './verify-scale/order';
import { checkout, type VerifyTarget } from './verify-scale/checkout';
import type { Shape } from './verify-scale/traces';
import type { TargetProbe } from '../src/verify/target';
import type { SpanRecord } from '../src/verify/types';

function verify(
  verifyTarget: VerifyTarget,
  probes: TargetProbe[],
  spans: readonly SpanRecord[],
): void {
  const result = verifyTarget({
    probes,
    spans,
    expectServices: ['service-0', 'service-1', 'service-4'],
    header: 'traceparent',
  });
  if (!result.passed) throw new Error(`the synthetic trace failed: ${result.failedChecks.join()}`);
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/**
 * In a child: receive the requests of `files.spans`, verify them several times, print the CPU
 * ms per verification and memory. `files.warm`: a small set of the same shape, received and
 * verified first so the receiver and the verifier are compiled before anything is measured.
 */
async function measure(files: Files): Promise<void> {
  // The verifier under test and its receiver: this checkout's, or a before copy's (see `checkout`).
  const { verifyTarget, receive } = await checkout(files.verifier);
  const read = (path: string): TargetProbe[] =>
    JSON.parse(readFileSync(path, 'utf8')) as TargetProbe[];
  for (let round = 0; round < 3; round += 1) {
    const warm = (await receive(files.warm)).store.spans();
    const warmProbes = read(files.warmProbes);
    for (let index = 0; index < 20; index += 1) verify(verifyTarget, warmProbes, warm);
  }
  const probes = read(files.probes);
  gc();
  const before = process.memoryUsage();
  const { store, protobufBytes } = await receive(files.spans);
  gc();
  const stored = process.memoryUsage();
  const receivingPeakKiB = process.resourceUsage().maxRSS;
  const spans = store.spans();
  const { times, walls, timed } = await timeRuns(() => verify(verifyTarget, probes, spans), {
    settle: spans.length >= 100_000,
    profile: (path) => `${path}-${spans.length}.cpuprofile`,
  });
  const median = (values: number[]): number =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const MiB = 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({
      size: store.stats().acceptedSpans,
      probes: probes.length,
      runs: times.length,
      ms: median(times),
      wallMs: median(walls),
      gcPauseMs: timed.reduce((sum, c) => sum + c.ms, 0) / times.length,
      majorGcs: timed.filter((c) => c.major).length / times.length,
      protobufMiB: protobufBytes / MiB,
      storedMiB: (stored.heapUsed + stored.external - before.heapUsed - before.external) / MiB,
      baseRssMiB: before.rss / MiB,
      storedRssMiB: stored.rss / MiB,
      receivingPeakRssMiB: receivingPeakKiB / 1024,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

/**
 * Times `run` at least 5 times, and as often as fits in half a second: CPU and wall ms of each
 * run, and the collections that began inside the runs. `settle`: a full collection, untimed,
 * before each run.
 */
async function timeRuns(
  run: () => void,
  options: { settle: boolean; profile: (prefix: string) => string },
): Promise<{ times: number[]; walls: number[]; timed: Collection[] }> {
  // Collections during the timed runs, by start time: pauses (ms) and the major ones.
  const collections: Collection[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? 0;
      const major = kind === constants.NODE_PERFORMANCE_GC_MAJOR;
      collections.push({ at: entry.startTime, ms: entry.duration, major });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const profile = process.env['VERIFY_SCALE_PROFILE'];
  const session = profile === undefined ? undefined : await startProfile();
  // Small sizes repeat until about half a second of work, so timer noise stays small. Time is
  // CPU time (user + system, GC threads included): on a shared machine, time spent waiting for a
  // core would otherwise land on whichever size ran while the machine was busiest.
  const times: number[] = [];
  const walls: number[] = [];
  const windows: [number, number][] = [];
  let spent = 0;
  while (times.length < 5 || (spent < 500 && times.length < 200)) {
    if (options.settle) {
      // The store's garbage (and the previous run's) is collected here, untimed, and the
      // collector's background sweeping given time to end: it is not the verifier's work.
      gc();
      await sleep(200);
    }
    const started = performance.now();
    const cpu = process.cpuUsage();
    run();
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - started;
    times.push((used.user + used.system) / 1e3);
    walls.push(ms);
    windows.push([started, started + ms]);
    spent += ms;
  }
  if (session !== undefined) await stopProfile(session, options.profile(profile!));
  await sleep(0);
  observer.disconnect();
  const timed = collections.filter(({ at }) => windows.some(([from, to]) => at >= from && at < to));
  return { times, walls, timed };
}

interface Collection {
  at: number;
  ms: number;
  major: boolean;
}

interface Row {
  size: number;
  probes: number;
  runs: number;
  ms: number;
  wallMs: number;
  gcPauseMs: number;
  majorGcs: number;
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
  /** A checkout whose `verifyTarget` is measured instead of this one's. */
  verifier?: string | undefined;
  warm: string;
  warmProbes: string;
  spans: string;
  probes: string;
}

/** Processes per round for a size under `SMALL_SIZE` spans (their median row stands for the round). */
const SMALL_PROCESSES = 3;
/** One measuring process: `files` received and verified by `verifier` (this checkout's if undefined). */
async function child(files: Files, verifier: string | undefined): Promise<Row> {
  // Node's default heap limit, as the action runs.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      import.meta.filename,
      '--child',
      JSON.stringify({ ...files, verifier }),
    ],
    { encoding: 'utf8', timeout: 600_000 },
  );
  return JSON.parse(stdout.trim()) as Row;
}

async function table(dir: string): Promise<void> {
  const sizes = (process.argv[2] ?? '1000,10000,100000,1000000').split(',').map(Number);
  const rounds = Number(process.env['VERIFY_SCALE_ROUNDS'] ?? 1);
  const beforeTree = process.env['VERIFY_SCALE_BEFORE'];
  const verifiers: (string | undefined)[] =
    beforeTree === undefined ? [undefined] : [undefined, beforeTree];
  console.log(
    `target verification by number of spans, one process per size, node ${process.version}, ${rounds} round(s)${beforeTree === undefined ? '' : `, before = ${beforeTree}`}`,
  );
  console.log(
    'raw span data = the OTLP/protobuf bytes the services exported; stored = JS heap the ' +
      "receiver's span records and index hold; peak over base = the process's peak RSS minus its " +
      'RSS before any span (receiver and verifier together); GC = collections that began inside ' +
      'the timed verifications (pause ms and major collections, per verification)\n',
  );
  // `VERIFY_SCALE_SHAPES=many-traces`: one shape only.
  const shapes = (process.env['VERIFY_SCALE_SHAPES'] ?? 'one-trace,many-traces').split(',');
  // The sender's side, loaded in this process only (see `checkout`).
  const { build, MANY_TRACE_SPANS } = await import('./verify-scale/traces');
  for (const shape of shapes as Shape[]) {
    console.log(
      `${shape === 'one-trace' ? 'one probe, one trace of every span' : `many probes, one trace of ${MANY_TRACE_SPANS} spans each`}:\n`,
    );
    // By verifier, then size: the rows of every round.
    const rows = verifiers.map(() => sizes.map((): Row[] => []));
    for (let round = 0; round < rounds; round += 1) {
      const files = sizes.map((size): Files => ({
        warm: join(dir, 'warm.bin'),
        warmProbes: join(dir, 'warm.json'),
        spans: join(dir, `spans-${size}.bin`),
        probes: join(dir, `probes-${size}.json`),
      }));
      writeFileSync(files[0]!.warmProbes, JSON.stringify(build(4000, shape, files[0]!.warm)));
      for (const [index, size] of sizes.entries()) {
        const { probes, spans } = files[index]!;
        writeFileSync(probes, JSON.stringify(build(size, shape, spans)));
      }
      // A small size's figure is under a millisecond: the median of SMALL_PROCESSES processes,
      // each its own warm-up and up to 200 runs, spread over the round (before and after the
      // large sizes, see `spread`), so that they sample the machine over the same minutes as a
      // large size's one long process (BENCHMARKS.md, Part 4, sixth round).
      const measured = verifiers.map(() => sizes.map((): Row[] => []));
      for (const index of spread(sizes, SMALL_PROCESSES, round)) {
        for (const [which, verifier] of inTurn(verifiers, round))
          measured[which]![index]!.push(await child(files[index]!, verifier));
      }
      for (const [which, bySize] of measured.entries()) {
        for (const [index, processes] of bySize.entries())
          rows[which]![index]!.push(processes.sort((a, b) => a.ms - b.ms)[processes.length >> 1]!);
      }
    }
    console.log(
      '| verifier | spans | probes | verify CPU ms (median) | CPU ms by round | wall ms (median) | GC pause ms / major GCs per run | ns per span | per-span cost vs 1k | raw span data (protobuf) MiB | stored MiB | stored / raw | RSS once stored MiB | peak RSS while receiving MiB | peak RSS MiB | peak over base MiB | peak over base / raw |\n' +
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const [which, verifier] of verifiers.entries()) {
      let base: number | undefined;
      for (const runs of rows[which]!) {
        // The round with the median CPU time stands for the size; its memory figures with it.
        const row = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
        const perSpan = (row.ms * 1e6) / row.size;
        base ??= perSpan;
        const overBase = row.peakRssMiB - row.baseRssMiB;
        // Below a MiB the heap's own noise (a collection during the warm-up) is larger than the data.
        const stored =
          row.storedMiB < 1
            ? '< 1 | -'
            : `${row.storedMiB.toFixed(1)} | ${(row.storedMiB / row.protobufMiB).toFixed(2)}`;
        console.log(
          `| ${verifier === undefined ? 'this checkout' : 'before'} | ${row.size.toLocaleString('en')} | ${row.probes.toLocaleString('en')} | ${row.ms.toFixed(2)} | ${runs.map((r) => r.ms.toFixed(row.ms < 10 ? 2 : 0)).join(', ')} | ${row.wallMs.toFixed(2)} | ${row.gcPauseMs.toFixed(1)} / ${row.majorGcs.toFixed(1)} | ${perSpan.toFixed(0)} | ${(perSpan / base).toFixed(2)} | ${row.protobufMiB.toFixed(1)} | ${stored} | ${row.storedRssMiB.toFixed(0)} | ${row.receivingPeakRssMiB.toFixed(0)} | ${row.peakRssMiB.toFixed(0)} | ${overBase.toFixed(0)} | ${(overBase / row.protobufMiB).toFixed(2)} |`,
        );
      }
    }
    console.log('');
  }
}

void main();
