// A protobuf body's recently decoded strings and attributes, reused while the next span's bytes
// are the same.
import type { AttributeValue } from '../verify/types';
import { readAttribute } from './protobuf-attributes';
import { type ProtoReader, WIRE_LENGTH_DELIMITED } from './proto-reader';

/**
 * The last string one field decoded, with where its bytes lie in the body: spans of a batch mostly
 * share their trace id and often their name, and reusing the string spares an allocation (and
 * memory once stored).
 */
export class RecentString {
  private start = 0;
  private end = 0;
  private text = '';

  constructor(
    private readonly buf: Buffer,
    private readonly decode: (buf: Buffer, start: number, end: number) => string,
  ) {}

  at(start: number, end: number): string {
    const length = end - start;
    if (
      length !== this.end - this.start ||
      this.end === 0 ||
      !sameRuns(this.buf, this.start, start, length)
    ) {
      this.text = this.decode(this.buf, start, end);
      this.start = start;
      this.end = end;
    }
    return this.text;
  }
}

export interface RecentStrings {
  traceId: RecentString;
  name: RecentString;
}

// One byte: field 9, length-delimited (a tag under 128 is its own varint).
const ATTRIBUTE_TAG_BYTE = (9 << 3) | WIRE_LENGTH_DELIMITED;
// Runs longer than this are decoded without comparing them to the previous span's.
const MAX_SHARED_RUN_BYTES = 4096;
// After this many spans in a row whose attributes differ from the previous span's (a server's
// spans, each with its own URL), the rest of the slice is decoded without comparing.
const MAX_MISSES = 8;

/**
 * A span's attributes, shared with the previous span's when their encoded run of `attributes`
 * fields is the same bytes: spans of one batch often carry the same attribute set (a client's
 * method, host and port), and one record for all of them spares decoding the run again and
 * keeping a copy per span. Span records are only ever read, so sharing is safe (as the strings
 * and NO_ATTRIBUTES are shared); a shared record is frozen to keep it so.
 */
export class RecentAttributes {
  private start = 0;
  private end = 0;
  private record: Record<string, AttributeValue> | undefined;
  private shared = false;
  private misses = 0;

  constructor(private readonly buf: Buffer) {}

  /** False once sharing keeps failing in this slice: its spans' attributes are read as usual. */
  get trying(): boolean {
    return this.misses < MAX_MISSES;
  }

  /**
   * The attributes of the run of `attributes` fields whose first tag is at `tagAt` (already
   * read: `reader.pos` is past it), leaving the reader after the run.
   */
  at(reader: ProtoReader, tagAt: number): Record<string, AttributeValue> {
    const buf = this.buf;
    // Where the run ends: each field is the one-byte tag, a length and that many bytes.
    reader.pos = reader.lengthEnd();
    while (reader.pos < reader.end && buf[reader.pos] === ATTRIBUTE_TAG_BYTE) {
      reader.pos += 1;
      reader.pos = reader.lengthEnd();
    }
    const runEnd = reader.pos;
    const length = runEnd - tagAt;
    if (
      this.record !== undefined &&
      length === this.end - this.start &&
      length <= MAX_SHARED_RUN_BYTES &&
      sameRuns(buf, this.start, tagAt, length)
    ) {
      if (!this.shared) {
        Object.freeze(this.record);
        this.shared = true;
      }
      this.misses = 0;
      return this.record;
    }
    const record: Record<string, AttributeValue> = {};
    reader.pos = tagAt;
    while (reader.pos < runEnd) {
      reader.tag();
      readAttribute(reader, record);
    }
    this.record = record;
    this.start = tagAt;
    this.end = runEnd;
    this.shared = false;
    this.misses += 1;
    return record;
  }

  /** True when `record` may be another span's too. */
  isShared(record: Record<string, AttributeValue>): boolean {
    return record === this.record || Object.isFrozen(record);
  }
}

/**
 * Whether `buf` holds the same `length` bytes at `a` and at `b`. A loop, not `Buffer.compare`:
 * runs that differ mostly differ early (a span's own URL or status), where the loop stops at
 * once, while every `compare` call pays for checking its arguments.
 */
function sameRuns(buf: Buffer, a: number, b: number, length: number): boolean {
  for (let offset = 0; offset < length; offset += 1) {
    if (buf[a + offset] !== buf[b + offset]) return false;
  }
  return true;
}
