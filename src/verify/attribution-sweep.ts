/**
 * What rules 3 and 5 share to find their candidates in flight at a break without a walk of every
 * probe per break: the candidates sorted by start once, then, breaks coming in start order, each
 * admitted once a break begins within the skew after its start and dropped for good once a break
 * begins more than the skew after its end, or once the rule no longer wants it. Both bounds are
 * the ones `within` applies, so the sweep holds exactly what a walk would accept.
 */
export interface TimeSweep<T> {
  /** The candidates that can be in flight at some moment, by start (stable). */
  readonly sorted: readonly T[];
  /** How many of `sorted` were admitted so far. */
  admitted: number;
  /** Admitted, not ended (within the skew) and still wanted, at the last break. */
  readonly active: T[];
  /** The start of the last break looked at: a break before it cannot be swept. */
  last: number;
  readonly startOf: (item: T) => number;
  readonly endOf: (item: T) => number;
  readonly skew: number;
}

export function timeSweep<T>(
  items: readonly T[],
  startOf: (item: T) => number,
  endOf: (item: T) => number,
  skew: number,
): TimeSweep<T> {
  // In flight at no moment (a time that is no number, or an end before the start): never
  // within, as `within` reads it.
  const sorted = items.filter((item) => startOf(item) - skew <= endOf(item) + skew);
  sorted.sort((a, b) => startOf(a) - startOf(b));
  return { sorted, admitted: 0, active: [], last: -Infinity, startOf, endOf, skew };
}

/**
 * The candidates that may be in flight at `at` and that `wanted` keeps, in no particular order;
 * undefined for a break that begins before the last one (not swept: the caller walks). What
 * `wanted` refuses is dropped for good, so it must only ever refuse more.
 */
export function sweepTo<T>(
  sweep: TimeSweep<T>,
  at: number,
  wanted: (item: T) => boolean,
): readonly T[] | undefined {
  if (!(at >= sweep.last)) return undefined;
  const { sorted, active, startOf, endOf, skew } = sweep;
  sweep.last = at;
  for (; sweep.admitted < sorted.length; sweep.admitted += 1) {
    const item = sorted[sweep.admitted]!;
    if (!(startOf(item) - skew <= at)) break;
    active.push(item);
  }
  let kept = 0;
  for (const item of active) {
    if (!(at <= endOf(item) + skew) || !wanted(item)) continue;
    active[kept++] = item;
  }
  active.length = kept;
  return active;
}
