// The measuring process of bench/verify-scale.ts: receive one size's spans, time its
// verifications, and time the 1k case of the same shape in the same process, interleaved with them.
import { readFileSync } from 'node:fs';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProfile, stopProfile } from './profile';
import { checkout, type VerifyTarget } from './checkout';
import type { TargetProbe } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';

export interface Files {
  /** A checkout whose `verifyTarget` is measured instead of this one's. */
  verifier?: string | undefined;
  warm: string;
  warmProbes: string;
  spans: string;
  probes: string;
  /** The baseline size's spans and probes, timed in the same process (`Paired`). */
  pair?: { spans: string; probes: string } | undefined;
}

/**
 * The baseline (1k) timed in the measuring process of a larger size (BENCHMARKS.md, Part 4,
 * seventh round): CPU ms per verification, median. `during`: blocks of 1k runs between the
 * larger size's timed runs (a block before each, one after the last), so both figures come from
 * the same seconds of the shared machine; `before`: one block before the large store was
 * received; `after`: one block after it was let go and collected (with `during`, shows whether
 * the large store resident in the heap changes the 1k cost).
 */
export interface Paired {
  size: number;
  before: number;
  during: number;
  after: number;
  runs: number;
}

export interface Row {
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
  paired?: Paired | undefined;
}

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
/** A full collection, then a pause for the collector's background threads to finish. */
async function settle(pauseMs = 200): Promise<void> {
  gc();
  await sleep(pauseMs);
}
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const read = (path: string): TargetProbe[] =>
  JSON.parse(readFileSync(path, 'utf8')) as TargetProbe[];

/** CPU ms (user + system, GC threads included) of one call of `run`. */
function cpuMs(run: () => void): number {
  const cpu = process.cpuUsage();
  run();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1e3;
}

/**
 * One block of baseline runs, after a full collection: first untimed runs for 150 ms (at least
 * 50), then timed ones, at least 20 and as many as fit in 25 ms (at most 100). The lead-in:
 * after a full collection, V8's young generation starts small and the 1k runs of ten probes cost
 * 2 to 3 times their usual CPU for their first 60 to 120 runs (scavenges; a throwaway probe,
 * BENCHMARKS.md, Part 4, seventh round).
 */
function block(run: () => void, into: number[]): void {
  let started = performance.now();
  for (let count = 0; count < 50 || performance.now() - started < 150; count += 1) run();
  started = performance.now();
  for (let count = 0; count < 100; count += 1) {
    into.push(cpuMs(run));
    if (count >= 19 && performance.now() - started >= 25) return;
  }
}

/**
 * In a child: receive the requests of `files.spans`, verify them several times, print the CPU
 * ms per verification and memory. `files.warm`: a small set of the same shape, received and
 * verified first so the receiver and the verifier are compiled before anything is measured.
 */
export async function measure(files: Files): Promise<void> {
  // The verifier under test and its receiver: this checkout's, or a before copy's (see `checkout`).
  const { verifyTarget, receive } = await checkout(files.verifier);
  for (let round = 0; round < 3; round += 1) {
    const warm = (await receive(files.warm)).store.spans();
    const warmProbes = read(files.warmProbes);
    for (let index = 0; index < 20; index += 1) verify(verifyTarget, warmProbes, warm);
  }
  // The baseline's store is received before the large one and before `before` is read, so the
  // memory figures are the large size's alone.
  const profiling = process.env['VERIFY_SCALE_PROFILE'] !== undefined;
  const pair = files.pair === undefined || profiling ? undefined : await baseline(files.pair);
  const pairBefore: number[] = [];
  if (pair !== undefined) {
    await settle();
    block(pair.run, pairBefore);
  }
  const probes = read(files.probes);
  gc();
  const before = process.memoryUsage();
  // Held through `let`s only, so that it can be let go before the last baseline block.
  let received: Awaited<ReturnType<typeof receive>> | undefined = await receive(files.spans);
  const { protobufBytes } = received;
  gc();
  const stored = process.memoryUsage();
  const receivingPeakKiB = process.resourceUsage().maxRSS;
  let spans: readonly SpanRecord[] | undefined = received.store.spans();
  const size = received.store.stats().acceptedSpans;
  const pairDuring: number[] = [];
  const { times, walls, timed } = await timeRuns(() => verify(verifyTarget, probes, spans!), {
    settle: spans.length >= 100_000,
    profile: (path) => `${path}-${spans!.length}.cpuprofile`,
    between: pair === undefined ? undefined : () => block(pair.run, pairDuring),
  });
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  // The large store let go and collected: the baseline again, without it in the heap.
  spans = undefined;
  received = undefined;
  const pairAfter: number[] = [];
  if (pair !== undefined) {
    // Longer: freeing a large store keeps the collector's threads busy for a while.
    await settle(1000);
    block(pair.run, pairAfter);
  }
  const MiB = 2 ** 20;
  const row: Row = {
    size,
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
    peakRssMiB,
    paired:
      pair === undefined
        ? undefined
        : {
            size: pair.size,
            before: median(pairBefore),
            during: median(pairDuring),
            after: median(pairAfter),
            runs: pairDuring.length,
          },
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);

  /** The baseline's spans received into a store of their own, and one verification of them. */
  async function baseline(paths: { spans: string; probes: string }) {
    const baseSpans = (await receive(paths.spans)).store.spans();
    const baseProbes = read(paths.probes);
    return { size: baseSpans.length, run: () => verify(verifyTarget, baseProbes, baseSpans) };
  }
}

/**
 * Times `run` at least 5 times, and as often as fits in half a second: CPU and wall ms of each
 * run, and the collections that began inside the runs. `settle`: a full collection, untimed,
 * before each run. `between`: called (untimed) before the first run, after the last, and
 * between runs whenever the runs since its last call took 25 ms or more.
 */
async function timeRuns(
  run: () => void,
  options: {
    settle: boolean;
    profile: (prefix: string) => string;
    between: (() => void) | undefined;
  },
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
  let sinceBetween = Infinity;
  while (times.length < 5 || (spent < 500 && times.length < 200)) {
    // The store's garbage (and the previous run's) is collected, untimed, and the collector's
    // background sweeping given time to end: it is not the verifier's work. The baseline block
    // runs after that (`process.cpuUsage` counts every thread: sweeping the last large run's
    // garbage would land on the block) and right before the large run, with no collection in
    // between: a full collection deoptimizes the verifier (V8 drops optimized code that embeds
    // maps only dead objects had, `--trace-deopt`: "embedded weak objects cleared"), and the
    // block's runs optimize it again, so that both sizes are timed with optimized code.
    if (options.settle) await settle();
    if (options.between !== undefined && sinceBetween >= 25) {
      options.between();
      sinceBetween = 0;
    }
    const started = performance.now();
    times.push(cpuMs(run));
    const ms = performance.now() - started;
    walls.push(ms);
    windows.push([started, started + ms]);
    spent += ms;
    sinceBetween += ms;
  }
  if (options.between !== undefined) {
    if (options.settle) await settle();
    options.between();
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
