/**
 * What the OTLP/JSON byte reader remembers from span to span, over the whole body in its one pass
 * (or over a slice, for spans read later from their bounds), to reuse strings and attribute
 * objects whose bytes repeat instead of reading them again.
 */
import type { AttributeValue } from '../verify/types';
import { read } from './json-read-string';
import { NO_ATTRIBUTES } from './span-batch';

/**
 * The last string a field was read into, with the bytes it came from: a batch's spans mostly
 * share their trace id and often their name, and reusing the string spares work and memory.
 */
export class RecentField {
  private start = 0;
  private end = 0;
  private text = '';

  constructor(private readonly buf: Buffer) {}

  /** The string at `pos` (an opening quote) if its bytes equal the last ones; else undefined. */
  reuse(pos: number): string | undefined {
    const length = this.end - this.start;
    if (length === 0) return undefined;
    const buf = this.buf;
    const start = this.start;
    for (let offset = 0; offset < length; offset += 1) {
      if (buf[pos + offset] !== buf[start + offset]) return undefined;
    }
    // The same bytes up to and including the closing quote: the same string.
    read.valueEnd = pos + length;
    return this.text;
  }

  keep(pos: number, text: string): string {
    this.start = pos;
    this.end = read.valueEnd;
    this.text = text;
    return text;
  }
}

/** Whether `buf[pos, pos + end - start)` holds the same bytes as `buf[start, end)`. */
export function sameBytes(buf: Buffer, pos: number, start: number, end: number): boolean {
  const length = end - start;
  if (end === 0 || pos + length > buf.length) return false;
  // The first bytes here (most differing runs differ early, and a native call costs more than a
  // short loop); the rest of a long run natively (memcmp).
  const head = Math.min(length, 64);
  for (let offset = 0; offset < head; offset += 1) {
    if (buf[pos + offset] !== buf[start + offset]) return false;
  }
  return length === head || buf.compare(buf, start + head, end, pos + head, pos + length) === 0;
}

/**
 * A span's attributes as the previous span had them: the whole array's bytes and its object, and
 * each entry's bytes, key and value by position. Exporters repeat most attributes from span to
 * span byte for byte; a JSON value's bytes determine it entirely, so equal bytes are the same
 * attributes, reused without being read again. An object shared by several spans is frozen.
 */
export class RecentAttributes {
  start = 0;
  end = 0;
  attributes: Record<string, AttributeValue> = NO_ATTRIBUTES;
  readonly entryStart: number[] = [];
  readonly entryEnd: number[] = [];
  readonly entryKey: string[] = [];
  readonly entryValue: (AttributeValue | undefined)[] = [];
}

// Slots of RecentIds: a batch of 512 spans holds at most 1,536 distinct ids (trace, span and
// parent ids), mostly far fewer (a parent is another span's id); a clash only shares less.
const ID_SLOTS = 1024;

/**
 * Ids read from a body, by a hash of their last 16 bytes: a span's id comes again as its
 * children's parent id (and a trace id in every span of the trace), so each id is made into a
 * string once per body and then shared, whichever comes first. Only ids the reader accepted
 * (16 or 32 hex digits) are kept, so bytes equal to a kept id's are valid too. Ids that share a
 * slot replace each other: the cost of a clash is a string made again, never a wrong one.
 */
export class RecentIds {
  private readonly start = new Int32Array(ID_SLOTS).fill(-1);
  private readonly text: string[] = new Array<string>(ID_SLOTS).fill('');
  /** The slot of the id last looked up, for `keep`. */
  private slot = 0;

  constructor(private readonly buf: Buffer) {}

  /** The string of the `length` id digits at `pos` if the same bytes were kept; else undefined. */
  find(pos: number, length: number): string | undefined {
    const buf = this.buf;
    const tail = pos + length - 16;
    const hash =
      (buf[tail + 15]! |
        (buf[tail + 14]! << 8) |
        (buf[tail + 13]! << 16) |
        (buf[tail + 12]! << 24)) ^
      (buf[tail]! | (buf[tail + 3]! << 8) | (buf[tail + 7]! << 16) | (buf[tail + 10]! << 24));
    const slot = Math.imul(hash, 0x9e3779b1) >>> 22;
    this.slot = slot;
    const start = this.start[slot]!;
    const text = this.text[slot]!;
    if (start < 0 || text.length !== length) return undefined;
    for (let offset = length - 1; offset >= 0; offset -= 1) {
      if (buf[pos + offset] !== buf[start + offset]) return undefined;
    }
    return text;
  }

  /** Keeps `text`, made from the digits at `pos`, in the slot `find` just looked at; returns it. */
  keep(pos: number, text: string): string {
    this.start[this.slot] = pos;
    this.text[this.slot] = text;
    return text;
  }
}

/** What is remembered from span to span (see RecentField, RecentAttributes, RecentIds). */
export interface RecentFields {
  traceId: RecentField;
  ids: RecentIds;
  name: RecentField;
  attributes: RecentAttributes;
  /** The previous span's fields in the order its keys came (bits of `json-span-reader.ts`). */
  fieldOrder: number[];
}

/** Fresh memories for `buf`'s spans: one for the body's pass, or one per slice read later. */
export function recentFields(buf: Buffer): RecentFields {
  return {
    traceId: new RecentField(buf),
    ids: new RecentIds(buf),
    name: new RecentField(buf),
    attributes: new RecentAttributes(),
    fieldOrder: [],
  };
}
