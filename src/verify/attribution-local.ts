import type { ProbeServer } from './attribution-state';

/**
 * The server spans of one service in the probes' traces, searchable for rule 4 ("the service
 * lost its context") in O(log n) per break instead of a walk of them all: a flood of client
 * roots from a service the probes reach (4,000 probes, 50,000 roots) once cost n x m reads in
 * one synchronous turn. The answer is the one the walk gave: among the spans not yet taken with
 * `start - slack <= at <= end + follow-up + slack`, the latest start; on equal starts, the
 * first in probe order, then span order.
 */
export interface LocalServers {
  /** The candidates by start ascending; on equal starts the LATER original order first, so the
   * rightmost match is the earliest in the original order (the walk kept the first, by `>`). */
  sorted: ProbeServer[];
  /** The start of each sorted candidate minus the slack (the left bound, computed as `within`). */
  lows: number[];
  /** A max segment tree over `end + follow-up + slack` (`-Infinity` once taken); leaves at `size`. */
  tree: number[];
  size: number;
  /** Taken candidates (their leaf is `-Infinity`, which a break at `-Infinity` would still match). */
  taken: boolean[];
}

export function localServers(
  candidates: readonly ProbeServer[],
  followUpMs: number,
  slack: number,
): LocalServers {
  // A NaN time never satisfies `within`: such a span can never be the answer, leave it out.
  const order = candidates
    .map((candidate, index) => ({ candidate, index }))
    .filter(({ candidate: c }) => !Number.isNaN(c.server.startTimeMs - slack))
    .filter(({ candidate: c }) => !Number.isNaN(c.server.endTimeMs + followUpMs + slack));
  // Comparisons, not subtraction: -Infinity - -Infinity is NaN and would break the sort.
  order.sort((a, b) => {
    const x = a.candidate.server.startTimeMs;
    const y = b.candidate.server.startTimeMs;
    return x < y ? -1 : x > y ? 1 : b.index - a.index;
  });
  const sorted = order.map(({ candidate }) => candidate);
  let size = 1;
  while (size < sorted.length) size *= 2;
  const tree = new Array<number>(2 * size).fill(-Infinity);
  sorted.forEach(({ server }, index) => {
    // The same expression as `within(at, start, end + FOLLOW_UP_MS, slack)`: same rounding.
    tree[size + index] = server.endTimeMs + followUpMs + slack;
  });
  for (let node = size - 1; node >= 1; node -= 1) {
    tree[node] = Math.max(tree[2 * node]!, tree[2 * node + 1]!);
  }
  const lows = sorted.map(({ server }) => server.startTimeMs - slack);
  return { sorted, lows, tree, size, taken: sorted.map(() => false) };
}

/** The index in `sorted` of the answer for a break at `at`, or -1; see `LocalServers`. */
export function latestCovering(servers: LocalServers, at: number): number {
  // The last candidate that began early enough (`lows` ascends: monotone in the start).
  const { lows, tree, size, taken } = servers;
  let low = 0;
  let high = lows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (lows[middle]! <= at) low = middle + 1;
    else high = middle;
  }
  const last = low - 1;
  if (last < 0) return -1;
  // The rightmost leaf in [0, last] whose right bound still holds `at`: descend from the root,
  // right child first, skipping any subtree whose maximum cannot hold it.
  const rightmost = (node: number, from: number, to: number): number => {
    if (from > last || !(at <= tree[node]!)) return -1;
    if (node >= size) return taken[from] === true ? -1 : from;
    const half = (from + to) >>> 1;
    const right = rightmost(2 * node + 1, half + 1, to);
    return right >= 0 ? right : rightmost(2 * node, from, half);
  };
  return rightmost(1, 0, size - 1);
}

/** Takes the candidate at `index` out of every later search (it explains a break already). */
export function take(servers: LocalServers, index: number): void {
  const { tree, size } = servers;
  servers.taken[index] = true;
  let node = size + index;
  tree[node] = -Infinity;
  for (node >>= 1; node >= 1; node >>= 1) {
    tree[node] = Math.max(tree[2 * node]!, tree[2 * node + 1]!);
  }
}
