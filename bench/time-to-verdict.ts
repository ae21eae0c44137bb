/**
 * Time to verdict: the default run of the repository's dist/index.js, start to exit, against the
 * floor (bench/floor.ts: the same HTTP work with no tracing), bundled with ncc at bench time.
 * Runs alternate floor, action, floor, action, ... and medians are quoted, so machine noise
 * (other processes on the box) hits both alike. Prints figures only; nothing here asserts a time.
 *
 *   node --import tsx bench/time-to-verdict.ts     (part of `npm run bench`)
 *
 * Then it breaks the difference down, from outside the bundle (src/ is not touched):
 * - phases, from a preload (--require) that marks when the first server listens, when the probe's
 *   agent is destroyed (all answers in), when the servers close, the first output, and exit;
 * - CPU profiles (--cpu-prof) of a few runs, attributed per package to the bundle's modules;
 * - bundle sizes, and composition per package from the ncc build stats.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { minifyBundleFile } from '../scripts/minify.mjs';
import { BundleMap, bundleComposition, CpuProfile } from './cpu-profile';
import {
  bareEnv,
  fixed,
  heading,
  loadAverage,
  machine,
  median,
  print,
  ratio,
  REPO,
  runProcess,
  table,
  type ProcessRun,
} from './lib';

/** Interleaved pairs for the headline figures (the issue asks for at least 15). */
const PAIRS = 15;
/** Discarded runs of each before the pairs: page cache, CPU frequency. */
const WARMUP_RUNS = 2;
/** Interleaved pairs with the phase-marking preload. */
const MARK_PAIRS = 8;
/** Interleaved pairs under the CPU profiler (slower: for shares, not absolute times). */
const PROFILE_PAIRS = 4;
/** Sampling interval of the profiler, µs. */
const PROFILE_INTERVAL_US = 250;
/** Bound on one run of either program; the default run takes well under a second. */
const RUN_TIMEOUT_MS = 30_000;
/** Bound on one ncc build. */
const BUILD_TIMEOUT_MS = 240_000;
const TIME = '/usr/bin/time';

type VariantName = 'floor' | 'action';

interface Variant {
  /** floor, action, or the label of a BENCH_EXTRA_DISTS build. */
  name: string;
  /** Folder holding dist/ (and nothing else: no node_modules anywhere above it). */
  root: string;
  entry: string;
  /** ncc stats of the build, when there is one, to name the bundle's modules. */
  stats: string | undefined;
}

interface TimedRun {
  wallMs: number;
  rssKb: number;
  cpuS: number;
}

/** Performance-clock marks (ms since process start) written by the preload at exit. */
interface Marks {
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

/**
 * The phase marker, loaded with --require before the bundle. It only wraps a few methods of node's
 * own modules (net.Server listen/close, http.Agent destroy, stdout write) to note the time; the
 * bundle keeps node builtins external, so these are the objects it uses.
 */
const MARKS_PRELOAD = `'use strict';
const { performance } = require('node:perf_hooks');
const net = require('node:net');
const http = require('node:http');
const fs = require('node:fs');
const marks = { preload: performance.now(), preloadHrtimeUs: Number(process.hrtime.bigint() / 1000n) };
const first = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
const last = (name) => { marks[name] = performance.now(); };
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  first('listenFirst');
  this.once('listening', () => last('listeningLast'));
  return listen.apply(this, args);
};
const close = net.Server.prototype.close;
net.Server.prototype.close = function (...args) {
  first('closeFirst');
  this.once('close', () => last('closedLast'));
  return close.apply(this, args);
};
const destroy = http.Agent.prototype.destroy;
http.Agent.prototype.destroy = function (...args) {
  first('agentDestroyFirst');
  return destroy.apply(this, args);
};
const write = process.stdout.write;
process.stdout.write = function (...args) {
  first('stdoutFirst');
  return write.apply(this, args);
};
process.on('exit', () => {
  marks.exit = performance.now();
  if (process.env.BENCH_MARKS_FILE) fs.writeFileSync(process.env.BENCH_MARKS_FILE, JSON.stringify(marks));
});
`;

const PHASES: { label: string; from: keyof Marks | 'start'; to: keyof Marks | 'end' }[] = [
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
  const hasTime = existsSync(TIME);
  if (!hasTime) print(`- ${TIME} not found: peak RSS and CPU time are not measured`);

  // The action: a copy of dist/, in a folder with no node_modules above it, as the runner has it.
  const action: Variant = {
    name: 'action',
    root: join(work, 'action'),
    entry: join(work, 'action', 'dist', 'index.js'),
    stats: undefined,
  };
  // BENCH_DIST=<folder> times another build of the action (e.g. one from `git archive`).
  const distSource = resolve(process.env.BENCH_DIST ?? join(REPO, 'dist'));
  cpSync(distSource, join(action.root, 'dist'), { recursive: true });
  print(`- action: ${join(distSource, 'index.js')}, copied to a folder with no node_modules`);
  if (process.env.BENCH_DIST === undefined) print(`- ${await gitState()}`);
  const floor: Variant = {
    name: 'floor',
    root: join(work, 'floor'),
    entry: join(work, 'floor', 'dist', 'index.js'),
    stats: join(work, 'floor-stats.json'),
  };
  // BENCH_EXTRA_DISTS=label=<folder>,... adds other builds of the action to the interleaved runs
  // (e.g. a what-if build of a change to src/): same runs, same medians, same floor.
  const extras: Variant[] = (process.env.BENCH_EXTRA_DISTS ?? '')
    .split(',')
    .filter((item) => item.trim() !== '')
    .map((item, index) => {
      const [label, folder] = item.includes('=')
        ? [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]
        : [`extra-${index + 1}`, item];
      const root = join(work, `extra-${index + 1}`);
      cpSync(resolve(folder), join(root, 'dist'), { recursive: true });
      print(`- ${label}: ${join(resolve(folder), 'index.js')}`);
      return {
        name: label,
        root,
        entry: join(root, 'dist', 'index.js'),
        stats: undefined,
      };
    });
  // Built at bench time, in parallel: the floor, and src/index.ts again for its module names and
  // per-package sizes (the committed bundle carries no names; webpack's module ids are stable).
  const rebuilt = join(work, 'rebuilt');
  const rebuiltStats = join(work, 'action-stats.json');
  const problems: string[] = [];
  print('\nbuilding the floor (and src/index.ts, for module names) with ncc ...');
  const [floorBuild, actionBuild] = await Promise.all([
    ncc(join(REPO, 'bench', 'floor.ts'), join(floor.root, 'dist'), floor.stats!),
    ncc(join(REPO, 'src', 'index.ts'), join(rebuilt, 'dist'), rebuiltStats),
  ]);
  if (floorBuild.code !== 0) {
    throw new Error(
      `ncc could not build bench/floor.ts:\n${floorBuild.stdout}${floorBuild.stderr}`,
    );
  }
  print(`- floor built in ${fixed(floorBuild.wallMs / 1000)} s`);
  // The floor must carry no OpenTelemetry code, or it is not a floor.
  const floorOtel = [...bundleComposition(floor.stats!).keys()].filter((name) =>
    name.startsWith('@opentelemetry/'),
  );
  print(
    `- floor bundle: ${floorOtel.length === 0 ? 'no OpenTelemetry package inside' : `CARRIES ${floorOtel.join(', ')}`}`,
  );
  if (floorOtel.length > 0) problems.push(`the floor bundles ${floorOtel.join(', ')}`);
  // The timed floor is minified like dist/ (scripts/bundle.mjs); the plain ncc output is kept as
  // its profiling build, where module markers name the packages.
  const floorProfiled = join(work, 'floor-profiled');
  cpSync(join(floor.root, 'dist'), join(floorProfiled, 'dist'), { recursive: true });
  minifyBundleFile(floor.entry);
  if (actionBuild.code === 0) {
    action.stats = rebuiltStats;
    const same =
      readFileSync(join(rebuilt, 'dist', 'index.js'), 'utf8') ===
      readFileSync(action.entry, 'utf8');
    print(
      `- src/index.ts rebuilt in ${fixed(actionBuild.wallMs / 1000)} s; the timed dist/index.js ${same ? 'matches' : 'DIFFERS FROM'} a fresh build of src/`,
    );
  } else {
    print('- src/index.ts did not build now (src/ being edited?): module names unavailable');
  }

  const marksFile = join(work, 'marks.cjs');
  writeFileSync(marksFile, MARKS_PRELOAD);
  const cwd = join(work, 'cwd');
  mkdirSync(cwd);

  const check = (variant: Variant, run: ProcessRun): boolean => {
    // The action exits 0 on a pass verdict, the floor when every probe was answered.
    const good = run.code === 0 && !run.timedOut && run.stdout.trim() !== '';
    if (!good) {
      problems.push(
        `${variant.name}: exit ${run.code ?? run.signal}${run.timedOut ? ' (timed out)' : ''}: ${(run.stderr || run.stdout).trim().split('\n')[0] ?? ''}`,
      );
    }
    return good;
  };

  // --- headline: wall time, peak RSS, CPU time --------------------------------------------
  const timeFile = join(work, 'time.txt');
  const timed = async (variant: Variant): Promise<TimedRun | undefined> => {
    const command = hasTime ? TIME : process.execPath;
    const args = hasTime
      ? ['-f', '%e %M %U %S', '-o', timeFile, process.execPath, variant.entry]
      : [variant.entry];
    const run = await runProcess(command, args, { cwd, env: bareEnv(), timeoutMs: RUN_TIMEOUT_MS });
    if (!check(variant, run)) return undefined;
    let rssKb = Number.NaN;
    let cpuS = Number.NaN;
    if (hasTime) {
      const [, rss, user, system] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
      rssKb = rss ?? Number.NaN;
      cpuS = (user ?? Number.NaN) + (system ?? Number.NaN);
    }
    return { wallMs: run.wallMs, rssKb, cpuS };
  };

  const timedVariants = [floor, action, ...extras];
  print(
    `\n${WARMUP_RUNS} warm-up runs of each, then ${PAIRS} rounds of ${timedVariants.map((v) => v.name).join(', ')} in turn`,
  );
  for (let index = 0; index < WARMUP_RUNS; index += 1) {
    for (const variant of timedVariants) await timed(variant);
  }
  const runs = new Map<string, (TimedRun | undefined)[]>(timedVariants.map((v) => [v.name, []]));
  for (let round = 0; round < PAIRS; round += 1) {
    for (const variant of timedVariants) runs.get(variant.name)!.push(await timed(variant));
  }
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
      timedVariants.map((variant) => [
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
    `wall-time spread: ${timedVariants.map((v) => `${v.name} ${spread(good(v.name).map((r) => r.wallMs))}`).join('; ')}`,
  );
  print(
    `RESULT time-to-verdict: floor ${fixed(med('floor', 'wallMs'))} ms, action ${fixed(med('action', 'wallMs'))} ms, ratio ${fixed(wallRatio, 2)}x (target 1.15x): ${wallRatio <= 1.15 ? 'within' : 'over'} target`,
  );

  // --- bundle sizes ---------------------------------------------------------------------
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
  if (action.stats && floor.stats) {
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

  /** The phase and profile runs compare the floor and the action only. */
  const baseline = [
    ['floor', floor],
    ['action', action],
  ] as const satisfies readonly (readonly [VariantName, Variant])[];

  // --- phases ---------------------------------------------------------------------------
  heading(`Where the time goes: phases (median of ${MARK_PAIRS} interleaved pairs, preload marks)`);
  const phaseRuns: Record<VariantName, { marks: Marks; wallMs: number }[]> = {
    floor: [],
    action: [],
  };
  const marked = async (
    variant: Variant,
    extra: string[],
  ): Promise<{ marks: Marks; wallMs: number } | undefined> => {
    const file = join(work, `marks-${variant.name}.json`);
    rmSync(file, { force: true });
    const run = await runProcess(
      process.execPath,
      [...extra, '--require', marksFile, variant.entry],
      {
        cwd,
        env: bareEnv({ BENCH_MARKS_FILE: file }),
        timeoutMs: RUN_TIMEOUT_MS,
      },
    );
    if (!check(variant, run) || !existsSync(file)) return undefined;
    return { marks: JSON.parse(readFileSync(file, 'utf8')) as Marks, wallMs: run.wallMs };
  };
  for (let pair = 0; pair < MARK_PAIRS; pair += 1) {
    for (const [name, variant] of baseline) {
      const run = await marked(variant, []);
      if (run) phaseRuns[name].push(run);
    }
  }
  const phase = (run: { marks: Marks; wallMs: number }, index: number): number => {
    const { from, to } = PHASES[index]!;
    const start = from === 'start' ? 0 : run.marks[from];
    const end = to === 'end' ? run.wallMs : run.marks[to];
    return start === undefined || end === undefined ? Number.NaN : end - start;
  };
  const phaseRows = PHASES.map((item, index) => {
    const f = median(phaseRuns.floor.map((run) => phase(run, index)));
    const a = median(phaseRuns.action.map((run) => phase(run, index)));
    return [item.label, fixed(f), fixed(a), fixed(a - f)];
  });
  const totalF = median(phaseRuns.floor.map((run) => run.wallMs));
  const totalA = median(phaseRuns.action.map((run) => run.wallMs));
  phaseRows.push([
    'total wall time (with the preload)',
    fixed(totalF),
    fixed(totalA),
    fixed(totalA - totalF),
  ]);
  print(table(['phase (ms, median)', 'floor', 'action', 'action - floor'], phaseRows));
  print(
    '\nMedians are per phase, so they need not add up to the total. In the action, "after the answer" is the wait for the exported spans (waitForSpans in src/run.ts) plus the verdict; the floor has neither.',
  );

  // --- CPU profiles ---------------------------------------------------------------------
  heading(
    `Where the time goes: CPU profiles (${PROFILE_PAIRS} interleaved pairs, --cpu-prof at ${PROFILE_INTERVAL_US} µs)`,
  );
  const loadShares: Record<VariantName, Map<string, number>[]> = { floor: [], action: [] };
  const phaseCpu: Record<VariantName, number[][]> = { floor: [], action: [] };
  const functions: Map<string, number>[] = [];
  // Profiled: the unminified ncc builds of the same sources (the profiling builds), whose module
  // markers name each package; the minified dist/ would put every sample in the webpack runtime.
  const profiled = [
    ['floor', { ...floor, entry: join(floorProfiled, 'dist', 'index.js') }],
    ['action', { ...action, entry: join(rebuilt, 'dist', 'index.js') }],
  ] as const satisfies readonly (readonly [VariantName, Variant])[];
  if (action.stats === undefined) problems.push('no profiling build of src/: packages unnamed');
  const maps = {
    floor: new BundleMap(profiled[0][1].entry, floor.stats),
    action: new BundleMap(profiled[1][1].entry, action.stats),
  };
  print(
    'Profiled runs use the unminified ncc builds of bench/floor.ts and src/index.ts (same code as the timed bundles, before minification), so samples can be named by package.\n',
  );
  for (let pair = 0; pair < PROFILE_PAIRS; pair += 1) {
    for (const [name, variant] of profiled) {
      const dir = join(work, `profile-${name}-${pair}`);
      const run = await marked(variant, [
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        '--cpu-prof-interval',
        String(PROFILE_INTERVAL_US),
      ]);
      const file = existsSync(dir)
        ? readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
        : undefined;
      if (!run || file === undefined) continue;
      const profile = new CpuProfile(join(dir, file));
      // Marks are on the performance clock; the profile on the monotonic clock, in µs.
      const toUs = (mark: number): number =>
        run.marks.preloadHrtimeUs + (mark - run.marks.preload) * 1000;
      if (toUs(run.marks.preload) < profile.startUs || toUs(run.marks.preload) > profile.endUs) {
        problems.push(`${name}: profile clock does not line up with the marks; skipped`);
        continue;
      }
      const classify = maps[name].classifier('/dist/index.js');
      loadShares[name].push(
        profile.attribute(
          toUs(run.marks.preload),
          toUs(run.marks.listenFirst ?? run.marks.exit),
          classify,
        ),
      );
      // CPU (not idle) per phase window, for the phases that have marks at both ends.
      phaseCpu[name].push(
        PHASES.map(({ from, to }) => {
          const start = from === 'start' ? 0 : run.marks[from];
          const end = to === 'end' ? undefined : run.marks[to];
          if (start === undefined || end === undefined) return Number.NaN;
          const busy = profile.attribute(
            from === 'start' ? profile.startUs : toUs(start),
            toUs(end),
            (_sample, stack) => (stack[0]!.callFrame.functionName === '(idle)' ? 'idle' : 'busy'),
          );
          return busy.get('busy') ?? 0;
        }),
      );
      if (name === 'action') {
        functions.push(profile.attribute(profile.startUs, profile.endUs + 1, functionClassifier));
      }
    }
  }
  print('CPU per phase (ms, median; profiled runs are slower than the plain ones above):\n');
  print(
    table(
      ['phase', 'floor CPU', 'action CPU', 'action - floor'],
      PHASES.slice(0, -1).map((item, index) => {
        const f = median(phaseCpu.floor.map((row) => row[index]!));
        const a = median(phaseCpu.action.map((row) => row[index]!));
        return [item.label, fixed(f), fixed(a), fixed(a - f)];
      }),
    ),
  );
  print(
    '\nLoad + set-up phase (preload mark to first listen), CPU by package (ms, median). A sample counts for the innermost bundle module on its stack, so builtins a package requires count for it:\n',
  );
  const loadLabels = new Set(
    [...loadShares.floor, ...loadShares.action].flatMap((map) => [...map.keys()]),
  );
  const loadRows = [...loadLabels]
    .map((label) => ({
      label,
      floor: median(loadShares.floor.map((map) => map.get(label) ?? 0)),
      action: median(loadShares.action.map((map) => map.get(label) ?? 0)),
    }))
    .sort((a, b) => b.action - b.floor - (a.action - a.floor));
  const shown = loadRows.filter((row) => Math.max(row.action, row.floor) >= 0.5).slice(0, 25);
  print(
    table(
      ['package or activity', 'floor', 'action', 'action - floor'],
      [
        ...shown.map((row) => [
          row.label,
          fixed(row.floor),
          fixed(row.action),
          fixed(row.action - row.floor),
        ]),
        [
          'sum of all rows',
          fixed(median(loadShares.floor.map(sum))),
          fixed(median(loadShares.action.map(sum))),
          fixed(median(loadShares.action.map(sum)) - median(loadShares.floor.map(sum))),
        ],
      ],
    ),
  );
  print(
    '\nAction only: CPU under named functions of the bundle, whole run (inclusive, ms, median):\n',
  );
  print(
    table(
      ['function (stack frame)', 'CPU ms'],
      WATCHED_FUNCTIONS.map(({ name, label }) => [
        label,
        fixed(median(functions.map((map) => map.get(name) ?? 0))),
      ]),
    ),
  );

  print(`\nload average at end: ${loadAverage()}`);
  heading('Problems');
  print(
    problems.length
      ? problems.map((line) => `- ${line}`).join('\n')
      : 'none: every run exited 0 (for the action: verdict pass)',
  );
}

/** Functions whose inclusive CPU is reported (only synchronous work shows under a frame). */
const WATCHED_FUNCTIONS: { name: string; label: string }[] = [
  { name: 'wrapSafe', label: 'wrapSafe: V8 compile of dist/index.js' },
  { name: '__nccwpck_require__', label: '__nccwpck_require__: module evaluation (inclusive)' },
  { name: 'startTracing', label: 'startTracing: provider, propagators, patches' },
  { name: 'startChain', label: 'startChain (synchronous parts)' },
  { name: 'verifyPropagation', label: 'verifyPropagation' },
  { name: 'buildSelfTestResult', label: 'buildSelfTestResult' },
  { name: 'consoleReport', label: 'consoleReport' },
  { name: 'shutdown', label: 'shutdown (tracing + provider)' },
  { name: '(garbage collector)', label: '(V8 garbage collector)' },
];

function functionClassifier(
  _sample: unknown,
  stack: { callFrame: { functionName: string } }[],
): Map<string, number> {
  const names = new Set(stack.map((node) => node.callFrame.functionName));
  return new Map(
    WATCHED_FUNCTIONS.filter(({ name }) => names.has(name)).map(({ name }) => [name, 1]),
  );
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const value of map.values()) total += value;
  return total;
}

function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

function spread(values: number[]): string {
  return values.length ? `${fixed(Math.min(...values))}-${fixed(Math.max(...values))} ms` : 'n/a';
}

/** Which commit dist/ comes from, and whether the working tree changed it since. */
async function gitState(): Promise<string> {
  const git = (args: string[]): Promise<ProcessRun> =>
    runProcess('git', args, { cwd: REPO, timeoutMs: 10_000 });
  try {
    const head = await git(['rev-parse', '--short', 'HEAD']);
    const status = await git(['status', '--porcelain', '--', 'dist']);
    if (head.code !== 0) return 'git: no commit information';
    return `git: HEAD ${head.stdout.trim()}, dist/ ${status.stdout.trim() === '' ? 'as committed' : 'modified in the working tree'}`;
  } catch {
    return 'git: not available';
  }
}

function ncc(entry: string, outDir: string, statsOut: string): Promise<ProcessRun> {
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

main().catch((error: unknown) => {
  process.stderr.write(
    `time-to-verdict: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exitCode = 1;
});
