import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BundleMap, CpuProfile } from '../cpu-profile';
import { fixed, heading, median, print, table } from '../lib';
import {
  PROFILE_INTERVAL_US,
  PROFILE_PAIRS,
  type Bench,
  type Variant,
  type VariantName,
} from './context';
import { markedRun, PHASES, type MarkedRun } from './phases';

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

/** What the profiled runs gave, per variant. */
interface Profiles {
  /** CPU by package in the load + set-up phase, one map per run. */
  loadShares: Record<VariantName, Map<string, number>[]>;
  /** CPU per phase, one row per run. */
  phaseCpu: Record<VariantName, number[][]>;
  /** The action's CPU under the watched functions, one map per run. */
  functions: Map<string, number>[];
}

/** Where the time goes, by CPU profiles of interleaved runs, attributed per package. */
export async function profiles(bench: Bench): Promise<void> {
  heading(
    `Where the time goes: CPU profiles (${PROFILE_PAIRS} interleaved pairs, --cpu-prof at ${PROFILE_INTERVAL_US} µs)`,
  );
  const { floor, action } = bench;
  // Profiled: the unminified ncc builds of the same sources (the profiling builds), whose module
  // markers name each package; the minified dist/ would put every sample in the webpack runtime.
  const profiled = [
    ['floor', { ...floor, entry: join(bench.floorProfiled, 'dist', 'index.js') }],
    ['action', { ...action, entry: join(bench.rebuilt, 'dist', 'index.js') }],
  ] as const satisfies readonly (readonly [VariantName, Variant])[];
  if (action.stats === undefined)
    bench.problems.push('no profiling build of src/: packages unnamed');
  const maps = {
    floor: new BundleMap(profiled[0][1].entry, floor.stats),
    action: new BundleMap(profiled[1][1].entry, action.stats),
  };
  print(
    'Profiled runs use the unminified ncc builds of bench/floor.ts and src/index.ts (same code as the timed bundles, before minification), so samples can be named by package.\n',
  );
  const found: Profiles = {
    loadShares: { floor: [], action: [] },
    phaseCpu: { floor: [], action: [] },
    functions: [],
  };
  for (let pair = 0; pair < PROFILE_PAIRS; pair += 1) {
    for (const [name, variant] of profiled) {
      const dir = join(bench.work, `profile-${name}-${pair}`);
      const run = await markedRun(bench, variant, [
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        '--cpu-prof-interval',
        String(PROFILE_INTERVAL_US),
      ]);
      const file = existsSync(dir)
        ? readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'))
        : undefined;
      if (!run || file === undefined) continue;
      const profile = new CpuProfile(join(dir, file));
      if (!attribute(found, name, run, profile, maps[name])) {
        bench.problems.push(`${name}: profile clock does not line up with the marks; skipped`);
      }
    }
  }
  printProfiles(found);
}

/** Adds one profiled run to the figures; false when its clock does not line up with the marks. */
function attribute(
  found: Profiles,
  name: VariantName,
  run: MarkedRun,
  profile: CpuProfile,
  map: BundleMap,
): boolean {
  // Marks are on the performance clock; the profile on the monotonic clock, in µs.
  const toUs = (mark: number): number =>
    run.marks.preloadHrtimeUs + (mark - run.marks.preload) * 1000;
  if (toUs(run.marks.preload) < profile.startUs || toUs(run.marks.preload) > profile.endUs) {
    return false;
  }
  const classify = map.classifier('/dist/index.js');
  found.loadShares[name].push(
    profile.attribute(
      toUs(run.marks.preload),
      toUs(run.marks.listenFirst ?? run.marks.exit),
      classify,
    ),
  );
  // CPU (not idle) per phase window, for the phases that have marks at both ends.
  found.phaseCpu[name].push(
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
    found.functions.push(profile.attribute(profile.startUs, profile.endUs + 1, functionClassifier));
  }
  return true;
}

function printProfiles({ loadShares, phaseCpu, functions }: Profiles): void {
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
  printLoadShares(loadShares);
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
}

function printLoadShares(loadShares: Profiles['loadShares']): void {
  const labels = new Set(
    [...loadShares.floor, ...loadShares.action].flatMap((map) => [...map.keys()]),
  );
  const rows = [...labels]
    .map((label) => ({
      label,
      floor: median(loadShares.floor.map((map) => map.get(label) ?? 0)),
      action: median(loadShares.action.map((map) => map.get(label) ?? 0)),
    }))
    .sort((a, b) => b.action - b.floor - (a.action - a.floor));
  const shown = rows.filter((row) => Math.max(row.action, row.floor) >= 0.5).slice(0, 25);
  const total = (shares: Map<string, number>[]): number => median(shares.map(sum));
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
          fixed(total(loadShares.floor)),
          fixed(total(loadShares.action)),
          fixed(total(loadShares.action) - total(loadShares.floor)),
        ],
      ],
    ),
  );
}

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
