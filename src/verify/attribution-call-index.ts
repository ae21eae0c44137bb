import type { Call } from './analysis';

/**
 * Unanswered calls by start, searchable for rules 1 and 2 of the attribution ("an unanswered
 * call in flight", attribution-calls.ts) in O(log² n) per break instead of a walk of every call
 * of every probe. A flood of client roots from a service the probes reach (4,000 probes, 50,000
 * roots) once cost 20 to 75 s of CPU in one synchronous turn: each root blamed on a probe adds
 * its own unanswered call to that probe, and every later break walked them all.
 *
 * The answer is the walk's: among the live candidates whose window (`within`) holds the break's
 * start and that the rule accepts, the nearest start (`Math.abs(at - start)`), then the first
 * in probe order, then in the probe's call order. Calls are appended while breaks are taken, so
 * the index is a few sorted levels (each at least twice the size of the next, rebuilt together
 * when a smaller one catches up): n appended calls cost O(n log² n) in all.
 */

/** One call as indexed: its place in the walk's order (probe, then call) and its service's id. */
export interface Entry {
  call: Call;
  /** The call's start, read once. */
  start: number;
  probe: number;
  order: number;
  service: number;
}

/** A search for one break, over every level of one or more indexes; `best` is kept across them. */
export interface Query {
  readonly at: number;
  readonly skew: number;
  /** A service whose calls are no candidates (the break's own, if it is no server span), or -1. */
  readonly exclude: number;
  /**
   * The rule's own tests and the window, exactly, on each candidate met; `used` for a call
   * that explains a break already (taken out of the index for good). A method, not a closure:
   * a search per break and rule should not allocate functions.
   */
  check(call: Call): 'used' | 'refused' | 'accepted';
  best: Entry | undefined;
  distance: number;
}

/**
 * One level: entries by start ascending, then probe, then call order, and a max tree over the
 * ends of the live ones that can leave one service out: `top` is the node's largest end,
 * `topService` a service that has it, `other` the largest end of any other service. A node
 * whose end (plus the skew) is before the break holds no call still in flight: skipped whole.
 */
interface Level {
  entries: Entry[];
  starts: Float64Array;
  size: number;
  top: Float64Array;
  topService: Int32Array;
  other: Float64Array;
  live: number;
}

export interface CallIndex {
  /** Largest first. */
  levels: Level[];
}

/** Adds calls (their start not NaN or +Infinity, their end not NaN or -Infinity). */
export function addCalls(index: CallIndex, entries: Entry[]): void {
  // The batch sorted once; then merged (linear) with each level no more than twice its size.
  let merged = entries.sort((a, b) => (precedes(a, b) ? -1 : precedes(b, a) ? 1 : 0));
  for (;;) {
    const last = index.levels[index.levels.length - 1];
    if (last === undefined || last.live >= 2 * merged.length) break;
    index.levels.pop();
    merged = merge(liveEntries(last), merged);
  }
  if (merged.length > 0) index.levels.push(buildLevel(merged));
}

/** Updates `query.best` with the best candidate of `index`, if better. */
export function searchCalls(index: CallIndex, query: Query): void {
  for (const level of index.levels) searchLevel(level, query);
}

function liveEntries(level: Level): Entry[] {
  return level.entries.filter((_, at) => level.top[level.size + at]! > -Infinity);
}

/** The index's order: start ascending (comparisons: no NaN here), then probe, then call order. */
function precedes(a: Entry, b: Entry): boolean {
  const x = a.start;
  const y = b.start;
  return x < y || (!(x > y) && (a.probe < b.probe || (a.probe === b.probe && a.order < b.order)));
}

function merge(a: readonly Entry[], b: readonly Entry[]): Entry[] {
  const out = new Array<Entry>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = precedes(b[j]!, a[i]!) ? b[j++]! : a[i++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** A level over entries already in the index's order. */
function buildLevel(entries: Entry[]): Level {
  const count = entries.length;
  let size = 1;
  while (size < count) size *= 2;
  const starts = new Float64Array(count);
  const top = new Float64Array(2 * size).fill(-Infinity);
  const topService = new Int32Array(2 * size).fill(-1);
  for (let at = 0; at < count; at += 1) {
    const entry = entries[at]!;
    starts[at] = entry.start;
    top[size + at] = entry.call.client.endTimeMs;
    topService[size + at] = entry.service;
  }
  const other = new Float64Array(2 * size).fill(-Infinity);
  const level: Level = { entries, starts, size, top, topService, other, live: count };
  for (let node = size - 1; node >= 1; node -= 1) pull(level, node);
  return level;
}

function pull(level: Level, node: number): void {
  const { top, topService, other } = level;
  const left = 2 * node;
  const winner = top[left]! >= top[left + 1]! ? left : left + 1;
  const loser = winner === left ? left + 1 : left;
  const service = topService[winner]!;
  top[node] = top[winner]!;
  topService[node] = service;
  const rest = topService[loser] === service ? other[loser]! : top[loser]!;
  other[node] = Math.max(other[winner]!, rest);
}

/** Takes a used call out: it never explains another break. */
function kill(level: Level, at: number): void {
  let node = level.size + at;
  level.top[node] = -Infinity;
  level.topService[node] = -1;
  level.live -= 1;
  for (node >>= 1; node >= 1; node >>= 1) pull(level, node);
}

function searchLevel(level: Level, query: Query): void {
  const { starts } = level;
  const { at, skew } = query;
  const count = starts.length;
  // Calls that began at or after the break, and those that began early enough for the window.
  const after = firstWhere(0, count, (k) => starts[k]! >= at);
  const early = firstWhere(0, count, (k) => !(starts[k]! - skew <= at));
  // Before the break: the nearest is the last candidate; equal distances lie further left.
  const before = candidate(level, query, 0, Math.min(after, early) - 1, false);
  if (before >= 0) {
    const distance = Math.abs(at - starts[before]!);
    if (query.best === undefined || distance <= query.distance) {
      const from = firstWhere(0, before, (k) => Math.abs(at - starts[k]!) <= distance);
      ties(level, query, from, before);
    }
  }
  // At or after it: the nearest is the first candidate; equal distances lie further right.
  const first = candidate(level, query, after, early - 1, true);
  if (first < 0) return;
  const distance = Math.abs(at - starts[first]!);
  if (query.best !== undefined && distance > query.distance) return;
  const end = firstWhere(first, early, (k) => Math.abs(at - starts[k]!) > distance);
  ties(level, query, first, end - 1);
}

/**
 * The candidates in [from, to], all at the same distance: for each start among them, the first
 * candidate with it (probe order, then call order) is compared with the best so far. One start
 * in all but odd cases (distinct starts at one distance only by rounding).
 */
function ties(level: Level, query: Query, from: number, to: number): void {
  const { starts } = level;
  for (let low = from; low <= to;) {
    const found = candidate(level, query, low, to, true);
    if (found < 0) return;
    const entry = level.entries[found]!;
    const distance = Math.abs(query.at - starts[found]!);
    const best = query.best;
    if (
      best === undefined ||
      distance < query.distance ||
      (distance === query.distance &&
        (entry.probe < best.probe || (entry.probe === best.probe && entry.order < best.order)))
    ) {
      query.best = entry;
      query.distance = distance;
    }
    const start = starts[found]!;
    low = firstWhere(found + 1, to + 1, (k) => starts[k]! > start);
  }
}

/**
 * The first (`forward`) or last candidate in [from, to], or -1: live, not of the excluded
 * service, its end plus the skew not before the break (from the tree), then unused and
 * accepted (checked here; a used one is taken out for good).
 */
function candidate(level: Level, query: Query, from: number, to: number, forward: boolean) {
  let low = from;
  let high = to;
  while (low <= high) {
    const found = descend(level, query, 1, 0, level.size - 1, low, high, forward);
    if (found < 0) return -1;
    const verdict = query.check(level.entries[found]!.call);
    if (verdict === 'used') {
      kill(level, found);
    } else if (verdict === 'accepted') {
      return found;
    } else if (forward) {
      low = found + 1;
    } else {
      high = found - 1;
    }
  }
  return -1;
}

function descend(
  level: Level,
  query: Query,
  node: number,
  from: number,
  to: number,
  low: number,
  high: number,
  forward: boolean,
): number {
  if (to < low || from > high) return -1;
  const { top, topService, other } = level;
  const end = topService[node] === query.exclude ? other[node]! : top[node]!;
  // The same expression as `within`'s right bound; -Infinity (nothing live) never holds.
  if (!(query.at <= end + query.skew)) return -1;
  if (node >= level.size) return from;
  const half = (from + to) >>> 1;
  if (forward) {
    const found = descend(level, query, 2 * node, from, half, low, high, true);
    return found >= 0 ? found : descend(level, query, 2 * node + 1, half + 1, to, low, high, true);
  }
  const found = descend(level, query, 2 * node + 1, half + 1, to, low, high, false);
  return found >= 0 ? found : descend(level, query, 2 * node, from, half, low, high, false);
}

/** The first index in [from, to) where `holds` (false then true along it), or `to`. */
function firstWhere(from: number, to: number, holds: (index: number) => boolean): number {
  let low = from;
  let high = to;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (holds(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}
