import type { SpanRecord } from './types';

/**
 * Span ids to positions: open addressing with linear probing over one typed array at most 70%
 * full (an id found reads about two slots, side by side), sized to the trace rather than to a
 * power of two. Each slot is three numbers side by side: the position plus one (0: empty; negated for a
 * hashed key) and the id's key. An id of 16 lower-case hex digits, as every exporter sends, is its
 * own key (its two 32-bit halves), so a lookup never reads a span or a string; any other id is
 * keyed by two hashes and confirmed by comparing the strings.
 */
export class IdTable {
  private readonly table: Int32Array;
  /** Slots: the spans over 0.7, so a trace of a million spans keeps its table to 17 MB. */
  private readonly size: number;
  /** A table past the caches: its lookups wait on memory, and reading ahead pays (`touch`). */
  readonly readsAhead: boolean;

  /**
   * `buffer`, `byteOffset`: where to keep the table, zero-filled, `IdTable.bytes(count)` long
   * (the trace graph keeps it in its own buffer: one allocation per graph); else its own.
   */
  constructor(
    private readonly spans: readonly SpanRecord[],
    buffer?: ArrayBuffer,
    byteOffset = 0,
  ) {
    this.size = slotsFor(spans.length);
    this.readsAhead = this.size >= TOUCH_FROM_SLOTS;
    this.table =
      buffer === undefined
        ? new Int32Array(this.size * 3)
        : new Int32Array(buffer, byteOffset, this.size * 3);
  }

  /** The bytes a table for `count` spans takes (a multiple of 4). */
  static bytes(count: number): number {
    return slotsFor(count) * 12;
  }

  /** Adds the span at `position` (id `id`) unless its id is known; returns the position holding the id. */
  insert(position: number, id: string): number {
    return this.insertAt(position, keyOf(id), id);
  }

  /**
   * `insert` for an id whose key is known (the receiver's columns): `hashedId`, the id itself
   * when its key is two hashes (the strings are then compared), else undefined.
   */
  insertKey(position: number, high: number, low: number, hashedId: string | undefined): number {
    keyHigh = high;
    keyLow = low;
    return this.insertAt(position, hashedId === undefined, hashedId ?? '');
  }

  /** Adds `id`, whose key is the current one, at `position` unless it is known. */
  private insertAt(position: number, exact: boolean, id: string): number {
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

  /**
   * Where the block of keys to read ahead (`touch`) from `position` ends, of `count`; -1 when
   * there is none: in a table past the caches, TOUCH_BLOCK keys at a time, from each block's
   * first position. Asked at every position of a loop that inserts or looks up `count` keys in
   * order (the graph's ids, then its parents), which reads its block ahead when told to.
   */
  readAheadTo(position: number, count: number): number {
    return this.readsAhead && position % TOUCH_BLOCK === 0
      ? Math.min(count, position + TOUCH_BLOCK)
      : -1;
  }

  /**
   * Reads, without using them, the home slots of the keys at `keys[2 * p]` and `keys[2 * p + 1]`
   * for `p` = `at[index]` (or `index`), `from <= index < to`. In a table larger than the caches,
   * an insert or lookup waits on a read from memory; when a block of them is read first, in a
   * short loop of independent reads, the processor has them in flight together, and the inserts
   * or lookups that follow find their slots in the cache. It changes no slot and no answer.
   */
  touch(keys: Int32Array, at: Int32Array | undefined, from: number, to: number): void {
    const { table, size } = this;
    let seen = 0;
    for (let index = from; index < to; index += 1) {
      const key = (at === undefined ? index : at[index]!) * 2;
      seen |= table[homeOf(keys[key]!, keys[key + 1]!, size) * 3]!;
    }
    TOUCHED[0] = seen;
  }

  /** `touch` for keys kept as two arrays (a graph's parents before they are resolved). */
  touchPairs(
    high: Int32Array,
    low: Int32Array,
    skip: Uint8Array,
    skipBit: number,
    from: number,
    to: number,
  ): void {
    const { table, size } = this;
    let seen = 0;
    for (let index = from; index < to; index += 1) {
      if ((skip[index]! & skipBit) === 0) continue;
      seen |= table[homeOf(high[index]!, low[index]!, size) * 3]!;
    }
    TOUCHED[0] = seen;
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

/** Slots for `count` spans: at most 70% full, at least 16. */
function slotsFor(count: number): number {
  return Math.max(16, Math.ceil(count / 0.7));
}

// The key of the last id given to keyOf: module state rather than an object per lookup.
let keyHigh = 0;
let keyLow = 0;

/** Hex digit values by char code; -1 for anything else (upper case included: ids are lower). */
const HEX_VALUES = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit += 1) {
  HEX_VALUES['0123456789abcdef'.charCodeAt(digit)] = digit;
}
/** Sets keyHigh and keyLow for `id`; true when they are the id itself (16 hex digits). */
function keyOf(id: string): boolean {
  if (id.length === 16) {
    let high = 0;
    let low = 0;
    let valid = 0;
    for (let index = 0; index < 8; index += 1) {
      const a = HEX_VALUES[id.charCodeAt(index)] ?? -1;
      const b = HEX_VALUES[id.charCodeAt(index + 8)] ?? -1;
      valid |= a | b;
      high = (high << 4) | (a & 15);
      low = (low << 4) | (b & 15);
    }
    if (valid >= 0) {
      keyHigh = high;
      keyLow = low;
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

/** The home slot of the last key among `size`. */
function homeSlot(size: number): number {
  return homeOf(keyHigh, keyLow, size);
}

/**
 * The home slot of a key among `size`: each half through a 32-bit finalizer, the seed first,
 * and the hash's high bits scaled (no division).
 */
function homeOf(high: number, low: number, size: number): number {
  return Math.floor(((mix32(mix32(high ^ SEED) ^ low) >>> 0) * size) / 4294967296);
}

/**
 * Keys read ahead by `touch` at a time: enough reads in flight to cover a memory access, few
 * enough that their slots are still in the cache when the inserts or lookups reach them.
 */
const TOUCH_BLOCK = 16;

/**
 * What `touch` read last, kept so that its reads are not optimized away: a store to memory the
 * compiler cannot prove unread (no field of the table, which nothing outside should write).
 */
const TOUCHED = new Int32Array(1);

/** Tables of fewer slots fit in the caches: no read ahead (`touch`). */
const TOUCH_FROM_SLOTS = 1 << 16;

/**
 * A seed drawn per process: span ids come from the services under test, and with a fixed mix a
 * sender could choose ids that all share one home slot (50,000 such spans took 6 s to verify
 * against 64 ms). Slots only decide where a key is kept, never what a lookup answers.
 */
const SEED = (Math.random() * 4294967296) | 0;

/** MurmurHash3's 32-bit finalizer: every input bit moves about half the output bits. */
function mix32(value: number): number {
  let hash = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
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
