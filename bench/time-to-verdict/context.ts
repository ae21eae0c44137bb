import { join } from 'node:path';
import { REPO, runProcess, type ProcessRun } from '../lib';

/** Shared by the parts of the time-to-verdict benchmark. */

/** Interleaved pairs for the headline figures (the issue asks for at least 15). */
export const PAIRS = 15;
/** Discarded runs of each before the pairs: page cache, CPU frequency. */
export const WARMUP_RUNS = 2;
/** Interleaved pairs with the phase-marking preload. */
export const MARK_PAIRS = 8;
/** Interleaved pairs under the CPU profiler (slower: for shares, not absolute times). */
export const PROFILE_PAIRS = 4;
/** Sampling interval of the profiler, µs. */
export const PROFILE_INTERVAL_US = 250;
/** Bound on one run of either program; the default run takes well under a second. */
export const RUN_TIMEOUT_MS = 30_000;
/** Bound on one ncc build. */
const BUILD_TIMEOUT_MS = 240_000;
export const TIME = '/usr/bin/time';
/** The phase marker, loaded with --require before the bundle. */
export const MARKS_PRELOAD = join(REPO, 'bench', 'time-to-verdict', 'marks-preload.cjs');

export type VariantName = 'floor' | 'action';

export interface Variant {
  /** floor, action, or the label of a BENCH_EXTRA_DISTS build. */
  name: string;
  /** Folder holding dist/ (and nothing else: no node_modules anywhere above it). */
  root: string;
  entry: string;
  /** ncc stats of the build, when there is one, to name the bundle's modules. */
  stats: string | undefined;
}

/** Everything the parts share: the folders, the builds, and the problems met on the way. */
export interface Bench {
  work: string;
  /** The working folder of every run. */
  cwd: string;
  floor: Variant;
  action: Variant;
  extras: Variant[];
  /** The floor's unminified ncc output, for profiling. */
  floorProfiled: string;
  /** A fresh unminified ncc build of src/, for profiling. */
  rebuilt: string;
  problems: string[];
}

/** True when the run gave its verdict (the action) or had every probe answered (the floor). */
export function runWentWell(bench: Bench, variant: Variant, run: ProcessRun): boolean {
  const good = run.code === 0 && !run.timedOut && run.stdout.trim() !== '';
  if (!good) {
    bench.problems.push(
      `${variant.name}: exit ${run.code ?? run.signal}${run.timedOut ? ' (timed out)' : ''}: ${(run.stderr || run.stdout).trim().split('\n')[0] ?? ''}`,
    );
  }
  return good;
}

/** The baseline pair the phase and profile runs compare. */
export function baseline(bench: Bench): readonly (readonly [VariantName, Variant])[] {
  return [
    ['floor', bench.floor],
    ['action', bench.action],
  ];
}

export function ncc(entry: string, outDir: string, statsOut: string): Promise<ProcessRun> {
  return runProcess(
    process.execPath,
    [
      join(REPO, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
      'build',
      entry,
      '-o',
      outDir,
      '--stats-out',
      statsOut,
      '--quiet',
    ],
    { cwd: REPO, timeoutMs: BUILD_TIMEOUT_MS },
  );
}

export function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}
