import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bareEnv, fixed, heading, median, print, runProcess, table } from '../lib';
import {
  baseline,
  MARK_PAIRS,
  MARKS_PRELOAD,
  RUN_TIMEOUT_MS,
  runWentWell,
  type Bench,
  type Variant,
  type VariantName,
} from './context';

/** Performance-clock marks (ms since process start) written by the preload at exit. */
export interface Marks {
  preload: number;
  preloadHrtimeUs: number;
  listenFirst?: number;
  listeningLast?: number;
  agentDestroyFirst?: number;
  closeFirst?: number;
  closedLast?: number;
  stdoutFirst?: number;
  exit: number;
}

export interface MarkedRun {
  marks: Marks;
  wallMs: number;
}

export const PHASES: { label: string; from: keyof Marks | 'start'; to: keyof Marks | 'end' }[] = [
  { label: 'node start-up, to the first user code', from: 'start', to: 'preload' },
  {
    label: 'load + set-up: bundle compile/eval, config, tracing',
    from: 'preload',
    to: 'listenFirst',
  },
  { label: 'services listening', from: 'listenFirst', to: 'listeningLast' },
  { label: 'probe request through the chain', from: 'listeningLast', to: 'agentDestroyFirst' },
  { label: 'after the answer: span wait + verify', from: 'agentDestroyFirst', to: 'closeFirst' },
  { label: 'close the services', from: 'closeFirst', to: 'closedLast' },
  { label: 'provider shutdown + report, to first output', from: 'closedLast', to: 'stdoutFirst' },
  { label: 'printing the output, to the exit event', from: 'stdoutFirst', to: 'exit' },
  { label: 'process exit (+ spawn), seen by the parent', from: 'exit', to: 'end' },
];

/** One run with the phase-marking preload (and `extra` node flags); undefined when it failed. */
export async function markedRun(
  bench: Bench,
  variant: Variant,
  extra: string[],
): Promise<MarkedRun | undefined> {
  const file = join(bench.work, `marks-${variant.name}.json`);
  rmSync(file, { force: true });
  const run = await runProcess(
    process.execPath,
    [...extra, '--require', MARKS_PRELOAD, variant.entry],
    { cwd: bench.cwd, env: bareEnv({ BENCH_MARKS_FILE: file }), timeoutMs: RUN_TIMEOUT_MS },
  );
  if (!runWentWell(bench, variant, run) || !existsSync(file)) return undefined;
  return { marks: JSON.parse(readFileSync(file, 'utf8')) as Marks, wallMs: run.wallMs };
}

/** Where the time goes, phase by phase, from interleaved runs with the preload's marks. */
export async function phases(bench: Bench): Promise<void> {
  heading(`Where the time goes: phases (median of ${MARK_PAIRS} interleaved pairs, preload marks)`);
  const runs: Record<VariantName, MarkedRun[]> = { floor: [], action: [] };
  for (let pair = 0; pair < MARK_PAIRS; pair += 1) {
    for (const [name, variant] of baseline(bench)) {
      const run = await markedRun(bench, variant, []);
      if (run) runs[name].push(run);
    }
  }
  const phase = (run: MarkedRun, index: number): number => {
    const { from, to } = PHASES[index]!;
    const start = from === 'start' ? 0 : run.marks[from];
    const end = to === 'end' ? run.wallMs : run.marks[to];
    return start === undefined || end === undefined ? Number.NaN : end - start;
  };
  const rows = PHASES.map((item, index) => {
    const f = median(runs.floor.map((run) => phase(run, index)));
    const a = median(runs.action.map((run) => phase(run, index)));
    return [item.label, fixed(f), fixed(a), fixed(a - f)];
  });
  const totalF = median(runs.floor.map((run) => run.wallMs));
  const totalA = median(runs.action.map((run) => run.wallMs));
  rows.push([
    'total wall time (with the preload)',
    fixed(totalF),
    fixed(totalA),
    fixed(totalA - totalF),
  ]);
  print(table(['phase (ms, median)', 'floor', 'action', 'action - floor'], rows));
  print(
    '\nMedians are per phase, so they need not add up to the total. In the action, "after the answer" is the wait for the exported spans (the "waiting for the last spans" phase of src/modes/self-test/run.ts) plus the verdict; the floor has neither.',
  );
}
