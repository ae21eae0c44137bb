/**
 * Time to verdict: the default run of the repository's dist/index.js, start to exit, against the
 * floor (bench/floor.ts: the same HTTP work with no tracing), bundled with ncc at bench time.
 * Runs alternate floor, action, floor, action, ... and medians are quoted, so machine noise
 * (other processes on the box) hits both alike. Prints figures only; nothing here asserts a time.
 *
 *   node --import tsx bench/time-to-verdict.ts     (part of `npm run bench`)
 *
 * Then it breaks the difference down, from outside the bundle (src/ is not touched):
 * - phases, from a preload (--require, time-to-verdict/marks-preload.cjs) that marks when the first server listens, when the probe's
 *   agent is destroyed (all answers in), when the servers close, the first output, and exit;
 * - CPU profiles (--cpu-prof) of a few runs, attributed per package to the bundle's modules;
 * - bundle sizes, and composition per package from the ncc build stats.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heading, loadAverage, machine, print } from './lib';
import { bundleSizes, headline } from './time-to-verdict/headline';
import { phases } from './time-to-verdict/phases';
import { profiles } from './time-to-verdict/profiles';
import { prepare } from './time-to-verdict/setup';

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'propagation-check-bench-'));
  try {
    await bench(work);
  } finally {
    if (process.env.BENCH_KEEP === '1') print(`\n(kept ${work})`);
    else rmSync(work, { recursive: true, force: true });
  }
}

async function bench(work: string): Promise<void> {
  heading('Time to verdict: default run of dist/index.js vs the floor (no tracing)');
  for (const line of machine()) print(`- ${line}`);
  const prepared = await prepare(work);
  await headline(prepared);
  bundleSizes(prepared);
  await phases(prepared);
  await profiles(prepared);
  print(`\nload average at end: ${loadAverage()}`);
  heading('Problems');
  print(
    prepared.problems.length
      ? prepared.problems.map((line) => `- ${line}`).join('\n')
      : 'none: every run exited 0 (for the action: verdict pass)',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `time-to-verdict: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exitCode = 1;
});
