/**
 * The start-up cost of GitHub's toolkit (@actions/core, with http-client and exec lazy): bundles
 * given as folders that hold a dist/, run interleaved, round after round, so a busy machine
 * weighs on all alike. Two runs each: a bad input (start-up, parse, report, exit: nearly all
 * start-up) and the default self-test. Prints medians and the median per-round difference from
 * the first bundle (the baseline). Figures only, no assertion.
 *
 *   git archive <commit-before> dist | tar -x -C /tmp/before
 *   node --import tsx bench/toolkit-startup.ts /tmp/before . [more folders] [--rounds 25]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bareEnv, fixed, heading, machine, median, print, runProcess, table } from './lib';

const PROBE = join(import.meta.dirname, 'start-probe.cjs');
const SCENARIOS = [
  { name: 'bad input (start-up and exit)', inputs: { INPUT_HOPS: '1' } },
  { name: 'default self-test', inputs: {} },
] as const;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

async function runOnce(folder: string, inputs: Record<string, string>): Promise<Sample> {
  const work = mkdtempSync(join(tmpdir(), 'toolkit-startup-'));
  try {
    const run = await runProcess(
      process.execPath,
      ['--require', PROBE, join(folder, 'dist', 'index.js')],
      { cwd: work, env: bareEnv(inputs), timeoutMs: 60_000 },
    );
    const line = run.stderr.split('\n').find((l) => l.startsWith('@@start-probe '));
    if (line === undefined) throw new Error(`no probe line from ${folder}: ${run.stderr}`);
    return JSON.parse(line.slice('@@start-probe '.length)) as Sample;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt === -1 ? 25 : Number(args.splice(roundsAt, 2)[1]);
  const folders = args.map((folder) => resolve(folder));
  if (folders.length < 2) throw new Error('give the baseline folder and at least one other');
  heading('Toolkit start-up cost (interleaved)');
  for (const line of machine()) print(line);
  for (const scenario of SCENARIOS) {
    const samples = folders.map((): Sample[] => []);
    for (let round = 0; round < rounds; round += 1) {
      // Rotate the order each round: no bundle always runs first after a pause.
      for (let k = 0; k < folders.length; k += 1) {
        const index = (k + round) % folders.length;
        samples[index]!.push(await runOnce(folders[index]!, scenario.inputs));
      }
    }
    const rows = folders.map((folder, index) => {
      const own = samples[index]!;
      const base = samples[0]!;
      const diff = (key: keyof Sample): string =>
        index === 0 ? '' : fixed(median(own.map((s, round) => s[key] - base[round]![key])), 1);
      return [
        folder,
        fixed(median(own.map((s) => s.wallMs))),
        diff('wallMs'),
        fixed(median(own.map((s) => s.cpuMs))),
        diff('cpuMs'),
      ];
    });
    print(`\n${scenario.name}, ${rounds} rounds`);
    print(
      table(
        ['bundle', 'wall ms (median)', 'per-round Δ wall', 'CPU ms (median)', 'per-round Δ CPU'],
        rows,
      ),
    );
  }
}

void main();
