/**
 * Reads V8 CPU profiles (`node --cpu-prof`) of a bundle and attributes their samples to the
 * packages the bundle inlines, using the module markers ncc (webpack) writes into the bundle and
 * the module names of the build's stats (`ncc build --stats-out`).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based. */
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Self ticks per source line (1-based), over the whole profile. */
  positionTicks?: { line: number; ticks: number }[];
}

interface RawProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One sample: the node on top of the stack, when (monotonic µs) and for how long. */
export interface Sample {
  node: number;
  atUs: number;
  durationUs: number;
}

export class CpuProfile {
  readonly startUs: number;
  readonly endUs: number;
  readonly samples: Sample[] = [];
  private readonly nodes = new Map<number, ProfileNode>();
  private readonly parents = new Map<number, number>();
  private readonly stacks = new Map<number, ProfileNode[]>();

  constructor(path: string) {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as RawProfile;
    this.startUs = raw.startTime;
    this.endUs = raw.endTime;
    for (const node of raw.nodes) {
      this.nodes.set(node.id, node);
      for (const child of node.children ?? []) this.parents.set(child, node.id);
    }
    let at = raw.startTime;
    const times = raw.samples.map((_, index) => (at += raw.timeDeltas[index] ?? 0));
    raw.samples.forEach((node, index) => {
      const next = times[index + 1] ?? raw.endTime;
      this.samples.push({
        node,
        atUs: times[index]!,
        durationUs: Math.max(0, next - times[index]!),
      });
    });
  }

  node(id: number): ProfileNode {
    return this.nodes.get(id)!;
  }

  /** The stack of a node, innermost frame first. */
  stack(id: number): ProfileNode[] {
    let stack = this.stacks.get(id);
    if (stack === undefined) {
      stack = [];
      for (let current: number | undefined = id; current !== undefined;) {
        stack.push(this.nodes.get(current)!);
        current = this.parents.get(current);
      }
      this.stacks.set(id, stack);
    }
    return stack;
  }

  /** Sample time (ms) within [fromUs, toUs), by the label `classify` gives each sample. */
  attribute(
    fromUs: number,
    toUs: number,
    classify: (sample: Sample, stack: ProfileNode[]) => Map<string, number> | string,
  ): Map<string, number> {
    const totals = new Map<string, number>();
    for (const sample of this.samples) {
      if (sample.atUs < fromUs || sample.atUs >= toUs) continue;
      const result = classify(sample, this.stack(sample.node));
      const shares = typeof result === 'string' ? new Map([[result, 1]]) : result;
      for (const [label, share] of shares) {
        totals.set(label, (totals.get(label) ?? 0) + (sample.durationUs * share) / 1000);
      }
    }
    return totals;
  }
}

const V8_PSEUDO_FRAMES: Record<string, string> = {
  '(garbage collector)': '(V8 garbage collector)',
  '(idle)': '(idle: waiting on I/O or timers)',
  '(program)': '(V8 / native, not attributed)',
  '(root)': '(V8 / native, not attributed)',
};

/** Maps lines of an ncc bundle to the package (or project folder) they come from. */
export class BundleMap {
  /** Sorted starts of regions: [0-based line, label]. */
  private readonly regions: [number, string][] = [];

  constructor(bundlePath: string, statsPath: string | undefined) {
    const names = statsPath ? moduleNames(statsPath) : new Map<string, string>();
    const lines = readFileSync(bundlePath, 'utf8').split('\n');
    lines.forEach((line, index) => {
      let match: RegExpExecArray | null;
      if ((match = /^\/\*\*\*\/ (\d+):$/.exec(line))) {
        const name = names.get(match[1]!);
        this.regions.push([index, name ? packageOf(name) : `(module ${match[1]}, unnamed)`]);
      } else if (/^\/\*{6}\/ \t\}\);$/.test(line) && this.regions.length > 0) {
        this.regions.push([index, '(webpack runtime)']);
      } else if (line.startsWith('var __webpack_exports__')) {
        this.regions.push([index, '(bundle entry)']);
      } else if ((match = /^;\/\/ CONCATENATED MODULE: (.+)$/.exec(line))) {
        this.regions.push([index, packageOf(match[1]!)]);
      }
    });
  }

  /** The label of a 0-based line. */
  labelOf(line: number): string {
    let low = 0;
    let high = this.regions.length - 1;
    let found = '(webpack runtime)';
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.regions[middle]![0] <= line) {
        found = this.regions[middle]![1];
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /**
   * A classifier for CpuProfile.attribute: each sample goes to the innermost frame of the bundle
   * on its stack (so a builtin module loaded by a package's require counts for that package, and
   * a self sample of the entry's top-level code is split by the lines it hit), else to what V8 or
   * Node was doing.
   */
  classifier(
    bundleUrlSuffix: string,
  ): (sample: Sample, stack: ProfileNode[]) => Map<string, number> | string {
    return (_sample, stack) => {
      const leaf = stack[0]!;
      const pseudo = V8_PSEUDO_FRAMES[leaf.callFrame.functionName];
      if (pseudo !== undefined && leaf.callFrame.url === '') return pseudo;
      const index = stack.findIndex((node) => node.callFrame.url.endsWith(bundleUrlSuffix));
      if (index === -1) {
        if (stack.some((node) => node.callFrame.functionName === 'wrapSafe')) {
          return '(V8 compile of the bundle file: wrapSafe)';
        }
        if (stack.some((node) => node.callFrame.url.startsWith('node:internal/modules'))) {
          return '(Node module loader)';
        }
        return '(Node internals, other)';
      }
      const frame = stack[index]!;
      if (index === 0 && frame.positionTicks && frame.positionTicks.length > 0) {
        const total = frame.positionTicks.reduce((sum, tick) => sum + tick.ticks, 0);
        const shares = new Map<string, number>();
        for (const tick of frame.positionTicks) {
          const label = this.labelOf(tick.line - 1);
          shares.set(label, (shares.get(label) ?? 0) + tick.ticks / total);
        }
        return shares;
      }
      return this.labelOf(frame.callFrame.lineNumber);
    };
  }
}

/** Module id -> name, from webpack stats. */
function moduleNames(statsPath: string): Map<string, string> {
  const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as {
    modules?: { id: string | number | null; name: string }[];
  };
  const names = new Map<string, string>();
  for (const module of stats.modules ?? []) {
    if (module.id !== null) names.set(String(module.id), module.name);
  }
  return names;
}

/** `./node_modules/@scope/name/lib/x.js + 3 modules` -> `@scope/name`; `./src/a/b.ts` -> `src/a`. */
export function packageOf(moduleName: string): string {
  const name = moduleName.replace(/ \+ \d+ modules?$/, '');
  const external = /^external "(?:node:)?([^"]+)"$/.exec(name);
  if (external) return `node:${external[1]} (builtin, loaded on require)`;
  const parts = name.split('node_modules/');
  if (parts.length > 1) {
    const rest = parts.at(-1)!.split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const source = /^\.\/(src(?:\/[^/]+)?)\//.exec(name) ?? /^\.\/(src|bench)\b/.exec(name);
  if (source) return source[1]!.replace(/\.ts$/, '');
  return name;
}

/** Bytes of source per package in a build, from its webpack stats (concatenations broken up). */
export function bundleComposition(statsPath: string): Map<string, number> {
  const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as {
    modules?: {
      id: string | number | null;
      name: string;
      size: number;
      modules?: { name: string; size: number }[];
    }[];
  };
  const sizes = new Map<string, number>();
  const add = (name: string, size: number): void => {
    const label = packageOf(name);
    sizes.set(label, (sizes.get(label) ?? 0) + size);
  };
  for (const module of stats.modules ?? []) {
    if (module.id === null) continue;
    if (module.modules) for (const inner of module.modules) add(inner.name, inner.size);
    else add(module.name, module.size);
  }
  return sizes;
}
