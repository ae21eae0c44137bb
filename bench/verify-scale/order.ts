// The order of the measuring processes of bench/verify-scale.ts.

/**
 * The verifiers with their indexes, the first one first in even rounds, last in odd ones: in
 * the fourth round's runs (BENCHMARKS.md), the first process after the files were written was
 * the one to see V8 start a full marking inside its timed runs (0.4 per run, then none in the
 * second process, even with the same code in both).
 */
export function inTurn<T>(verifiers: readonly T[], round: number): [number, T][] {
  const order = [...verifiers.entries()];
  return round % 2 === 1 ? order.reverse() : order;
}

/** Sizes under this many spans are the small ones `spread` places around the large ones. */
export const SMALL_SIZE = 100_000;

/**
 * The measuring processes of one round, as indexes into `sizes`: a large size once; a small
 * size `processes` times, half before the large sizes and half after (the odd one before in
 * even rounds, after in odd ones). The machine is shared: its neighbours' load holds for tens
 * of seconds at a time, and consecutive short processes all landed in one such state (BENCHMARKS.md,
 * Part 4, sixth round), while a large size's process spans a minute. Since the seventh round
 * the bench asks for one process per small size (the ratio's 1k baseline is timed inside each
 * large size's own process), so the small sizes simply run before the large ones in even rounds
 * and after them in odd ones.
 */
export function spread(sizes: readonly number[], processes: number, round: number): number[] {
  const small = sizes.flatMap((size, index) => (size < SMALL_SIZE ? [index] : []));
  const large = sizes.flatMap((size, index) => (size < SMALL_SIZE ? [] : [index]));
  if (large.length === 0) return Array.from({ length: processes }, () => small).flat();
  const before = round % 2 === 0 ? Math.ceil(processes / 2) : Math.floor(processes / 2);
  const times = (count: number): number[] => Array.from({ length: count }, () => small).flat();
  return [...times(before), ...large, ...times(processes - before)];
}
