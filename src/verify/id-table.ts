import type { SpanRecord } from './types';

/**
 * Span ids to positions: open addressing with linear probing over one typed array at most half
 * full. Each slot is three numbers side by side: the position plus one (0: empty; negated for a
 * hashed key) and the id's key. An id of 16 lower-case hex digits, as every exporter sends, is its
 * own key (its two 32-bit halves), so a lookup never reads a span or a string; any other id is
 * keyed by two hashes and confirmed by comparing the strings.
 */
export class IdTable {
  private readonly table: Int32Array;
  /** Slots: the spans over 0.7, so a trace of a million spans keeps its table to 17 MB. */
  private readonly size: number;

  constructor(private readonly spans: readonly SpanRecord[]) {
    this.size = Math.max(16, Math.ceil(spans.length / 0.7));
    this.table = new Int32Array(this.size * 3);
  }

  /** Adds the span at `position` (id `id`) unless its id is known; returns the position holding the id. */
  insert(position: number, id: string): number {
    const exact = keyOf(id);
    const { table, size } = this;
    for (let slot = homeSlot(size); ; slot = slot + 1 === size ? 0 : slot + 1) {
      const at = slot * 3;
      const held = table[at]!;
      if (held === 0) {
        table[at] = exact ? position + 1 : -(position + 1);
        table[at + 1] = keyHigh;
        table[at + 2] = keyLow;
        return position;
      }
      const found = this.match(at, held, exact, id);
      if (found >= 0) return found;
    }
  }

  find(id: string): number {
    const exact = keyOf(id);
    const { table, size } = this;
    for (let slot = homeSlot(size); ; slot = slot + 1 === size ? 0 : slot + 1) {
      const at = slot * 3;
      const held = table[at]!;
      if (held === 0) return -1;
      const found = this.match(at, held, exact, id);
      if (found >= 0) return found;
    }
  }

  /** `find` for an id of 16 hex digits whose key (its two halves) is already known. */
  findKey(high: number, low: number): number {
    keyHigh = high;
    keyLow = low;
    const { table, size } = this;
    for (let slot = homeSlot(size); ; slot = slot + 1 === size ? 0 : slot + 1) {
      const at = slot * 3;
      const held = table[at]!;
      if (held === 0) return -1;
      if (held > 0 && table[at + 1] === high && table[at + 2] === low) return held - 1;
    }
  }

  /** The position the slot holds when it holds `id` (whose key is the current one), else -1. */
  private match(at: number, held: number, exact: boolean, id: string): number {
    const table = this.table;
    if (table[at + 1] !== keyHigh || table[at + 2] !== keyLow) return -1;
    if (exact) return held > 0 ? held - 1 : -1;
    return held < 0 && this.spans[-held - 1]!.spanId === id ? -held - 1 : -1;
  }
}

// The key of the last id given to keyOf: module state rather than an object per lookup.
let keyHigh = 0;
let keyLow = 0;

/**
 * The byte two hex digits spell, by their char codes `(first << 7) | second` (both below 128);
 * -1 for anything else (upper case included: ids are lower). A pair per lookup halves the reads.
 */
const HEX_PAIRS = new Int16Array(1 << 14).fill(-1);
for (let high = 0; high < 16; high += 1) {
  for (let low = 0; low < 16; low += 1) {
    const digits = '0123456789abcdef';
    HEX_PAIRS[(digits.charCodeAt(high) << 7) | digits.charCodeAt(low)] = (high << 4) | low;
  }
}

/** The byte of the hex digits at `at` and `at + 1`; negative when they are not lower-case hex. */
function hexByte(id: string, at: number): number {
  const first = id.charCodeAt(at);
  const second = id.charCodeAt(at + 1);
  // A char code of 128 or more is no hex digit: it makes the result negative.
  return (first | second) < 128 ? HEX_PAIRS[(first << 7) | second]! : -1;
}

/** Sets keyHigh and keyLow for `id`; true when they are the id itself (16 hex digits). */
function keyOf(id: string): boolean {
  if (id.length === 16) {
    const a = hexByte(id, 0);
    const b = hexByte(id, 2);
    const c = hexByte(id, 4);
    const d = hexByte(id, 6);
    const e = hexByte(id, 8);
    const f = hexByte(id, 10);
    const g = hexByte(id, 12);
    const h = hexByte(id, 14);
    if ((a | b | c | d | e | f | g | h) >= 0) {
      keyHigh = (a << 24) | (b << 16) | (c << 8) | d;
      keyLow = (e << 24) | (f << 16) | (g << 8) | h;
      return true;
    }
  }
  // Two FNV-1a hashes with different seeds; equal keys are confirmed on the strings.
  // An int32 from the start, as the table stores it: an empty id never goes through the imul.
  let first = 0x811c9dc5 | 0;
  let second = 0x01000193;
  for (let index = 0; index < id.length; index += 1) {
    const code = id.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x5bd1e995);
  }
  keyHigh = first;
  keyLow = second;
  return false;
}

/** The home slot of the last key among `size`: the hash's high bits scaled, no division. */
function homeSlot(size: number): number {
  return Math.floor(((hashOfKey() >>> 0) * size) / 4294967296);
}

/** The hash of the last key: both halves mixed, so sequential ids spread as random ones. */
function hashOfKey(): number {
  let hash = Math.imul(keyLow ^ Math.imul(keyHigh, 0x9e3779b1), 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/**
 * Writes the key of `id` at `out[at]` and `out[at + 1]`; true when the key is the id itself (16
 * lower-case hex digits), false when it is two hashes (the id's string must then be compared).
 */
export function keyInto(id: string, out: Int32Array, at: number): boolean {
  const exact = keyOf(id);
  out[at] = keyHigh;
  out[at + 1] = keyLow;
  return exact;
}
