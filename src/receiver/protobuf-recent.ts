// A protobuf body's recently decoded strings and attributes, reused while the next span's bytes
// are the same.
import type { AttributeValue } from '../verify/types';
import type { SpanIds } from './hex-id';
import { readAnyValue } from './protobuf-attributes';
import { readUtf8 } from './utf8-cache';
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
  /** Span and parent span ids: one string per distinct id of the request (`SpanIds`). */
  spanIds: SpanIds;
}

// One byte: field 9, length-delimited (a tag under 128 is its own varint).
const ATTRIBUTE_TAG_BYTE = (9 << 3) | WIRE_LENGTH_DELIMITED;
// KeyValue's fields (common.proto).
const TAG_KEY = (1 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_VALUE = (2 << 3) | WIRE_LENGTH_DELIMITED;

/**
 * One span's run of `attributes` fields, field by field: where each KeyValue's bytes and its
 * key's bytes lie in the body, and what they decoded to. Arrays reused from span to span.
 */
class AttributeRun {
  count = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly keyStarts: number[] = [];
  readonly keyEnds: number[] = [];
  readonly keys: string[] = [];
  readonly values: (AttributeValue | undefined)[] = [];
}

/**
 * A span's attributes, decoded with the previous span's as a guide. Spans of one batch mostly
 * carry the same attribute set (a client's method, host and port), or the same keys with a few
 * values of their own (a server's url.path and status): a KeyValue whose bytes are the previous
 * span's KeyValue at the same place reuses its key and value without decoding them, a key whose
 * bytes are the previous one's reuses its string, and when the whole run is the same bytes, the
 * previous span's record itself is shared (one record for all of them, not a copy per span).
 * Comparing stops at the first byte that differs, and what is compared is what would otherwise
 * be decoded, so a miss costs less than the decoding it did not spare. Span records are only
 * ever read, so sharing is safe (as the strings and NO_ATTRIBUTES are shared); a shared record is
 * frozen to keep it so.
 */
export class RecentAttributes {
  private previous = new AttributeRun();
  private current = new AttributeRun();
  // Whether each field of the current run is its counterpart in the previous run, byte for byte.
  private readonly same: boolean[] = [];
  private record: Record<string, AttributeValue> | undefined;
  private shared = false;

  constructor(private readonly buf: Buffer) {}

  /**
   * The attributes of the run of `attributes` fields whose first tag was just read
   * (`reader.pos` is past it), leaving the reader after the run.
   */
  at(reader: ProtoReader): Record<string, AttributeValue> {
    const { buf, previous, current, same } = this;
    // Where each field lies (one-byte tag, length, that many bytes), compared with the previous.
    let count = 0;
    let allSame = true;
    for (;;) {
      const end = reader.lengthEnd();
      const start = reader.pos;
      current.starts[count] = start;
      current.ends[count] = end;
      const matches =
        count < previous.count &&
        end - start === previous.ends[count]! - previous.starts[count]! &&
        sameRuns(buf, previous.starts[count]!, start, end - start);
      same[count] = matches;
      allSame &&= matches;
      count += 1;
      reader.pos = end;
      if (reader.pos >= reader.end || buf[reader.pos] !== ATTRIBUTE_TAG_BYTE) break;
      reader.pos += 1;
    }
    if (allSame && count === previous.count && this.record !== undefined) {
      if (!this.shared) {
        Object.freeze(this.record);
        this.shared = true;
      }
      return this.record;
    }
    const runEnd = reader.pos;
    const record: Record<string, AttributeValue> = {};
    for (let field = 0; field < count; field += 1) {
      if (same[field]!) this.reuse(field);
      else this.decodeField(reader, field);
      const value = current.values[field];
      // A later key wins; a value that flattens to nothing is left out (as readAttribute does).
      if (value !== undefined) record[current.keys[field]!] = value;
    }
    reader.pos = runEnd;
    current.count = count;
    this.previous = current;
    this.current = previous;
    this.record = record;
    this.shared = false;
    return record;
  }

  /** True when `record` may be another span's too. */
  isShared(record: Record<string, AttributeValue>): boolean {
    return record === this.record || Object.isFrozen(record);
  }

  /** Field `field` of the current run is the previous run's: its key and value are too. */
  private reuse(field: number): void {
    const { previous, current } = this;
    current.keyStarts[field] = previous.keyStarts[field]!;
    current.keyEnds[field] = previous.keyEnds[field]!;
    current.keys[field] = previous.keys[field]!;
    current.values[field] = previous.values[field];
  }

  /** Decodes one KeyValue as readAttribute does (the last key and value on the wire win). */
  private decodeField(reader: ProtoReader, field: number): void {
    const { buf, previous, current } = this;
    reader.pos = current.starts[field]!;
    const outerEnd = reader.end;
    reader.end = current.ends[field]!;
    let keyStart = 0;
    let keyEnd = 0;
    let value: AttributeValue | undefined;
    while (reader.pos < reader.end) {
      const tag = reader.tag();
      if (tag === TAG_KEY) {
        keyEnd = reader.lengthEnd();
        keyStart = reader.pos;
        reader.pos = keyEnd;
      } else if (tag === TAG_VALUE) value = readAnyValue(reader, 0);
      else reader.skip(tag & 7);
    }
    reader.leave(outerEnd);
    const length = keyEnd - keyStart;
    let key: string;
    if (length === 0) key = '';
    else if (
      field < previous.count &&
      length === previous.keyEnds[field]! - previous.keyStarts[field]! &&
      sameRuns(buf, previous.keyStarts[field]!, keyStart, length)
    ) {
      key = previous.keys[field]!;
    } else key = readUtf8(buf, keyStart, keyEnd);
    current.keyStarts[field] = keyStart;
    current.keyEnds[field] = keyEnd;
    current.keys[field] = key;
    current.values[field] = value;
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
