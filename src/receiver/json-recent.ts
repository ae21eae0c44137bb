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

/** What is remembered from span to span (see RecentField, RecentAttributes). */
export interface RecentFields {
  traceId: RecentField;
  name: RecentField;
  attributes: RecentAttributes;
  /** The previous span's fields in the order its keys came (bits of `json-span-reader.ts`). */
  fieldOrder: number[];
}

/** Fresh memories for `buf`'s spans: one for the body's pass, or one per slice read later. */
export function recentFields(buf: Buffer): RecentFields {
  return {
    traceId: new RecentField(buf),
    name: new RecentField(buf),
    attributes: new RecentAttributes(),
    fieldOrder: [],
  };
}
