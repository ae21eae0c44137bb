/**
 * The start-up cost of GitHub's toolkit (@actions/core, with http-client and exec lazy): bundles
 * given as folders that hold a dist/, run interleaved, round after round, so a busy machine
 * weighs on all alike. Two runs each: a bad input (start-up, parse, report, exit: nearly all
 * start-up) and the default self-test. Prints medians and the median per-round difference from
 * the first bundle (the baseline), then what V8 compiled in one default run of each (counts that
 * move by a function or two from run to run, not with the load). Figures only, no assertion.
 *
 *   git archive <commit-before> dist | tar -x -C /tmp/before
 *   node --import tsx bench/toolkit-startup.ts /tmp/before . [more folders] [--rounds 25]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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
  print(
    '\ndefault self-test, V8 function events of one run each (they move by a function or two from run to run, not with the load)',
  );
  const events: CompileEvents[] = [];
  for (const folder of folders) events.push(await compileEvents(folder));
  print(
    table(
      [
        'bundle',
        'dist/index.js bytes',
        'functions run',
        'compiled at first call',
        'their source bytes',
        'compiled with their module',
      ],
      folders.map((folder, index) => [
        folder,
        String(events[index]!.bytes),
        String(events[index]!.run),
        String(events[index]!.lazy),
        String(events[index]!.lazyBytes),
        String(events[index]!.eager),
      ]),
    ),
  );
}

interface CompileEvents {
  bytes: number;
  /** Functions of the bundle's script that ran. */
  run: number;
  /** Functions compiled when first called (preparsed before), and their source bytes. */
  lazy: number;
  lazyBytes: number;
  /** Functions compiled with the code around them (module factories in parentheses and such). */
  eager: number;
}

/**
 * One default run with `--log-function-events`: which functions of dist/index.js V8 compiled,
 * and when. Unlike CPU time, the counts do not move with the machine's load, so they show a
 * change of a few kilobytes or tens of functions that interleaved rounds on a busy machine cannot.
 */
async function compileEvents(folder: string): Promise<CompileEvents> {
  const work = mkdtempSync(join(tmpdir(), 'toolkit-startup-'));
  const bundle = join(folder, 'dist', 'index.js');
  const log = join(work, 'v8.log');
  try {
    await runProcess(
      process.execPath,
      ['--log-function-events', `--logfile=${log}`, '--no-logfile-per-isolate', bundle],
      { cwd: work, env: bareEnv(), timeoutMs: 60_000 },
    );
    const lines = readFileSync(log, 'utf8').split('\n');
    // script-details,<id>,<name>,...: the bundle's script id.
    const script = lines
      .find((line) => line.startsWith('script-details,') && line.split(',')[2] === bundle)
      ?.split(',')[1];
    if (script === undefined) throw new Error(`no script events for ${bundle}`);
    const preparsed = new Set<number>();
    const lazy = new Map<number, number>();
    const eager = new Set<number>();
    const ran = new Set<number>();
    // function,<event>,<script>,<start>,<end>,...
    for (const line of lines) {
      if (!line.startsWith('function,')) continue;
      const [, event, id, start, end] = line.split(',');
      if (id !== script) continue;
      const at = Number(start);
      if (event!.startsWith('preparse-')) preparsed.add(at);
      else if (event === 'interpreter' || event === 'interpreter-lazy') {
        if (preparsed.has(at)) lazy.set(at, Number(end) - at);
        else eager.add(at);
      } else if (event === 'first-execution') ran.add(at);
    }
    return {
      bytes: statSync(bundle).size,
      run: ran.size,
      lazy: lazy.size,
      lazyBytes: [...lazy.values()].reduce((sum, bytes) => sum + bytes, 0),
      eager: eager.size,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
