import { copyFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { minifyBundleFile } from '../../scripts/minify.mjs';
import { bundleComposition } from '../cpu-profile';
import { fixed, print, REPO, runProcess, type ProcessRun } from '../lib';
import { ncc, type Bench, type Variant } from './context';

/**
 * The programs to time: the action (a copy of dist/, in a folder with no node_modules above it,
 * as the runner has it), the floor built now with ncc, and any BENCH_EXTRA_DISTS builds.
 */
export async function prepare(work: string): Promise<Bench> {
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
  const bench: Bench = {
    work,
    cwd: join(work, 'cwd'),
    floor,
    action,
    extras: extraDists(work),
    floorProfiled: join(work, 'floor-profiled'),
    rebuilt: join(work, 'rebuilt'),
    problems: [],
  };
  await build(bench);
  mkdirSync(bench.cwd);
  return bench;
}

/**
 * BENCH_EXTRA_DISTS=label=<folder>,... adds other builds of the action to the interleaved runs
 * (e.g. a what-if build of a change to src/): same runs, same medians, same floor.
 */
function extraDists(work: string): Variant[] {
  return (process.env.BENCH_EXTRA_DISTS ?? '')
    .split(',')
    .filter((item) => item.trim() !== '')
    .map((item, index) => {
      const [label, folder] = item.includes('=')
        ? [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]
        : [`extra-${index + 1}`, item];
      const root = join(work, `extra-${index + 1}`);
      cpSync(resolve(folder), join(root, 'dist'), { recursive: true });
      print(`- ${label}: ${join(resolve(folder), 'index.js')}`);
      return { name: label, root, entry: join(root, 'dist', 'index.js'), stats: undefined };
    });
}

/**
 * Built at bench time, in parallel: the floor, and src/index.ts again for its module names and
 * per-package sizes (the committed bundle carries no names; webpack's module ids are stable).
 */
async function build(bench: Bench): Promise<void> {
  const { floor, action, rebuilt } = bench;
  const rebuiltStats = join(bench.work, 'action-stats.json');
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
  if (floorOtel.length > 0) bench.problems.push(`the floor bundles ${floorOtel.join(', ')}`);
  // The timed floor is minified like dist/ (scripts/bundle.mjs); the plain ncc output is kept as
  // its profiling build, where module markers name the packages.
  cpSync(join(floor.root, 'dist'), join(bench.floorProfiled, 'dist'), { recursive: true });
  minifyBundleFile(floor.entry);
  if (actionBuild.code === 0) {
    action.stats = rebuiltStats;
    // dist/ is minified (scripts/bundle.mjs): compare a minified copy of the fresh build.
    const minified = join(bench.work, 'action-rebuilt.min.js');
    copyFileSync(join(rebuilt, 'dist', 'index.js'), minified);
    minifyBundleFile(minified);
    const same = readFileSync(minified, 'utf8') === readFileSync(action.entry, 'utf8');
    print(
      `- src/index.ts rebuilt in ${fixed(actionBuild.wallMs / 1000)} s; the timed dist/index.js ${same ? 'matches' : 'DIFFERS FROM'} a fresh build of src/`,
    );
  } else {
    print('- src/index.ts did not build now (src/ being edited?): module names unavailable');
  }
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
