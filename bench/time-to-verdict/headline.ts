import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleComposition } from '../cpu-profile';
import { bareEnv, fixed, heading, median, print, ratio, runProcess, table } from '../lib';
import {
  kib,
  PAIRS,
  RUN_TIMEOUT_MS,
  runWentWell,
  TIME,
  WARMUP_RUNS,
  type Bench,
  type Variant,
} from './context';

interface TimedRun {
  wallMs: number;
  rssKb: number;
  cpuS: number;
}

type Runs = Map<string, (TimedRun | undefined)[]>;

/** The headline: wall time, peak RSS and CPU time of interleaved runs, against the floor. */
export async function headline(bench: Bench): Promise<void> {
  const variants = [bench.floor, bench.action, ...bench.extras];
  const timed = timer(bench);
  print(
    `\n${WARMUP_RUNS} warm-up runs of each, then ${PAIRS} rounds of ${variants.map((v) => v.name).join(', ')} in turn`,
  );
  for (let index = 0; index < WARMUP_RUNS; index += 1) {
    for (const variant of variants) await timed(variant);
  }
  const runs: Runs = new Map(variants.map((v) => [v.name, []]));
  for (let round = 0; round < PAIRS; round += 1) {
    for (const variant of variants) runs.get(variant.name)!.push(await timed(variant));
  }
  printHeadline(bench, variants, runs);
}

/** One timed run of a variant, with /usr/bin/time when there is one; undefined when it failed. */
function timer(bench: Bench): (variant: Variant) => Promise<TimedRun | undefined> {
  const hasTime = existsSync(TIME);
  if (!hasTime) print(`- ${TIME} not found: peak RSS and CPU time are not measured`);
  const timeFile = join(bench.work, 'time.txt');
  return async (variant) => {
    const command = hasTime ? TIME : process.execPath;
    const args = hasTime
      ? ['-f', '%e %M %U %S', '-o', timeFile, process.execPath, variant.entry]
      : [variant.entry];
    const run = await runProcess(command, args, {
      cwd: bench.cwd,
      env: bareEnv(),
      timeoutMs: RUN_TIMEOUT_MS,
    });
    if (!runWentWell(bench, variant, run)) return undefined;
    if (!hasTime) return { wallMs: run.wallMs, rssKb: Number.NaN, cpuS: Number.NaN };
    const [, rss, user, system] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
    return {
      wallMs: run.wallMs,
      rssKb: rss ?? Number.NaN,
      cpuS: (user ?? Number.NaN) + (system ?? Number.NaN),
    };
  };
}

function printHeadline(bench: Bench, variants: readonly Variant[], runs: Runs): void {
  const { floor, action } = bench;
  const good = (name: string): TimedRun[] =>
    runs.get(name)!.filter((run): run is TimedRun => run !== undefined);
  const med = (name: string, key: keyof TimedRun): number =>
    median(good(name).map((run) => run[key]));
  // Per-round ratios: each round ran back to back, so their median is the least noisy ratio.
  const roundRatios = (name: string): number[] =>
    runs
      .get(name)!
      .map(
        (run, index) =>
          (run?.wallMs ?? Number.NaN) / (runs.get('floor')![index]?.wallMs ?? Number.NaN),
      )
      .filter(Number.isFinite);
  print();
  print(
    table(
      [
        `median of ${PAIRS} interleaved runs`,
        'wall, start to exit (ms)',
        'vs floor',
        'median per-round ratio',
        'peak RSS (MiB)',
        'vs floor',
        'CPU user+sys (ms)',
        'vs floor',
      ],
      variants.map((variant) => [
        variant === floor
          ? 'floor (no tracing)'
          : variant === action
            ? 'action (default run)'
            : variant.name,
        fixed(med(variant.name, 'wallMs')),
        ratio(med(variant.name, 'wallMs'), med('floor', 'wallMs')),
        variant === floor ? '' : `${fixed(median(roundRatios(variant.name)), 2)}x`,
        fixed(med(variant.name, 'rssKb') / 1024),
        ratio(med(variant.name, 'rssKb'), med('floor', 'rssKb')),
        fixed(med(variant.name, 'cpuS') * 1000, 0),
        ratio(med(variant.name, 'cpuS'), med('floor', 'cpuS')),
      ]),
    ),
  );
  const actionRatios = roundRatios('action');
  const wallRatio = med('action', 'wallMs') / med('floor', 'wallMs');
  print(
    `\naction / floor per round: min ${fixed(Math.min(...actionRatios), 2)}x, max ${fixed(Math.max(...actionRatios), 2)}x; the issue's target is 1.15x`,
  );
  print(
    `wall-time spread: ${variants.map((v) => `${v.name} ${spread(good(v.name).map((r) => r.wallMs))}`).join('; ')}`,
  );
  print(
    `RESULT time-to-verdict: floor ${fixed(med('floor', 'wallMs'))} ms, action ${fixed(med('action', 'wallMs'))} ms, ratio ${fixed(wallRatio, 2)}x (target 1.15x): ${wallRatio <= 1.15 ? 'within' : 'over'} target`,
  );
}

function spread(values: number[]): string {
  return values.length ? `${fixed(Math.min(...values))}-${fixed(Math.max(...values))} ms` : 'n/a';
}

/** Bundle sizes, and the source bytes per package from the ncc stats. */
export function bundleSizes(bench: Bench): void {
  const { floor, action } = bench;
  heading('Bundle size');
  const sizeRows = [floor, action].map((variant) => {
    const files = readdirSync(join(variant.root, 'dist')).filter((file) => file.endsWith('.js'));
    const main = readFileSync(variant.entry);
    const all = files.reduce(
      (sum, file) => sum + statSync(join(variant.root, 'dist', file)).size,
      0,
    );
    return [
      variant.name,
      kib(main.length),
      kib(gzipSync(main).length),
      `${files.length} (${kib(all)} in all)`,
    ];
  });
  print(table(['bundle', 'index.js (KiB)', 'gzip (KiB)', '.js files'], sizeRows));
  if (!action.stats || !floor.stats) return;
  const actionSizes = bundleComposition(action.stats);
  const floorSizes = bundleComposition(floor.stats);
  const labels = [...new Set([...actionSizes.keys(), ...floorSizes.keys()])]
    .map((label) => ({
      label,
      action: actionSizes.get(label) ?? 0,
      floor: floorSizes.get(label) ?? 0,
    }))
    .sort((a, b) => b.action - a.action)
    .slice(0, 20);
  print('\nSource bytes per package (webpack stats, before bundling; top 20 of the action):\n');
  print(
    table(
      ['package', 'action (KiB)', 'floor (KiB)', 'only in action (KiB)'],
      labels.map((row) => [
        row.label,
        kib(row.action),
        kib(row.floor),
        kib(row.action - row.floor),
      ]),
    ),
  );
}
