/**
 * Reads one OTLP/JSON span, already validated as JSON, straight from the body's bytes into the
 * batch: only the fields the verifier uses become strings or numbers; everything else is skipped
 * by position. The scalars it keeps are the very values `JSON.parse` would make, converted by the
 * same functions as the generic path (`json-values.ts`), so both agree by construction. Anything
 * out of the ordinary (a value of the wrong type, a key given twice, an escaped key, several
 * members of AnyValue's oneof) throws FALLBACK or a FieldError, and the caller reads that span the
 * generic way, which decides, and words any error, exactly as before.
 */
import type { AttributeValue } from '../verify/types';
import {
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COMMA,
  FALLBACK,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  bytesAre,
  read,
  readNanosAsMillis,
  readScalar,
  readString,
  skipSpace,
  skipValue,
  stringEnd,
} from './json-scan';
import {
  intern,
  MAX_DEPTH,
  readDouble,
  readEnum,
  readInt64Value,
  readUint32,
  readUnixNanosAsMillis,
} from './json-values';
import { SPAN_KIND_VALUES } from './otlp-schema';
import { NO_ATTRIBUTES, type SpanBatch } from './span-batch';

const NULL_BYTE = 0x6e; // 'n', the first byte of null

// Span fields, one bit each (to refuse a key given twice).
const TRACE_ID = 1;
const SPAN_ID = 2;
const PARENT_SPAN_ID = 4;
const NAME = 8;
const KIND = 16;
const FLAGS = 32;
const START_TIME = 64;
const END_TIME = 128;
const ATTRIBUTES = 256;

function spanField(buf: Buffer, start: number, end: number): number {
  switch (end - start) {
    case 4:
      if (bytesAre(buf, start, end, 'name')) return NAME;
      return bytesAre(buf, start, end, 'kind') ? KIND : 0;
    case 5:
      return bytesAre(buf, start, end, 'flags') ? FLAGS : 0;
    case 6:
      return bytesAre(buf, start, end, 'spanId') ? SPAN_ID : 0;
    case 7:
      return bytesAre(buf, start, end, 'traceId') ? TRACE_ID : 0;
    case 10:
      return bytesAre(buf, start, end, 'attributes') ? ATTRIBUTES : 0;
    case 12:
      return bytesAre(buf, start, end, 'parentSpanId') ? PARENT_SPAN_ID : 0;
    case 15:
      return bytesAre(buf, start, end, 'endTimeUnixNano') ? END_TIME : 0;
    case 17:
      return bytesAre(buf, start, end, 'startTimeUnixNano') ? START_TIME : 0;
    default:
      return 0;
  }
}

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
function sameBytes(buf: Buffer, pos: number, start: number, end: number): boolean {
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

/** What is remembered from span to span within a slice (see RecentField, RecentAttributes). */
export interface RecentFields {
  traceId: RecentField;
  name: RecentField;
  attributes: RecentAttributes;
}

/** Fresh memories for a slice of `buf`'s spans. */
export function recentFields(buf: Buffer): RecentFields {
  return {
    traceId: new RecentField(buf),
    name: new RecentField(buf),
    attributes: new RecentAttributes(),
  };
}

/** The valid span at `pos` into the batch; FALLBACK or a FieldError when it needs the slow path. */
export function readSpanFast(buf: Buffer, pos: number, recent: RecentFields, batch: SpanBatch) {
  if (buf[pos] !== OPEN_OBJECT) throw FALLBACK;
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let flags = 0;
  let startTimeMs = 0;
  let endTimeMs = 0;
  let attributes: Record<string, AttributeValue> = NO_ATTRIBUTES;
  let seen = 0;
  let at = skipSpace(buf, pos + 1);
  if (buf[at] !== CLOSE_OBJECT) {
    for (;;) {
      const keyEnd = stringEnd(buf, at);
      if (read.hadEscape) throw FALLBACK;
      const field = spanField(buf, at + 1, keyEnd);
      at = skipSpace(buf, skipSpace(buf, keyEnd + 1) + 1);
      if (field === 0) at = skipValue(buf, at);
      else {
        if ((seen & field) !== 0) throw FALLBACK;
        seen |= field;
        switch (field) {
          case TRACE_ID:
            traceId = recent.traceId.reuse(at) ?? recent.traceId.keep(at, readId(buf, at));
            break;
          case SPAN_ID:
            spanId = readId(buf, at);
            break;
          case PARENT_SPAN_ID:
            parentSpanId = readId(buf, at);
            break;
          case NAME:
            name = recent.name.reuse(at) ?? recent.name.keep(at, intern(readText(buf, at)));
            break;
          case KIND:
            kind = readEnum(readScalar(buf, at), 'kind', SPAN_KIND_VALUES);
            break;
          case FLAGS:
            flags = readUint32(readScalar(buf, at), 'flags');
            break;
          case START_TIME:
            startTimeMs = readTime(buf, at, 'startTimeUnixNano');
            break;
          case END_TIME:
            endTimeMs = readTime(buf, at, 'endTimeUnixNano');
            break;
          default:
            attributes = readAttributes(buf, at, recent.attributes);
        }
        at = read.valueEnd;
      }
      at = skipSpace(buf, at);
      if (buf[at] !== COMMA) break;
      at = skipSpace(buf, at + 1);
    }
  }
  batch.add(traceId, spanId, parentSpanId, flags, name, kind, startTimeMs, endTimeMs, attributes);
}

/** A string field (null: empty); any other type takes the slow path. */
function readText(buf: Buffer, at: number): string {
  if (buf[at] === QUOTE) return readString(buf, at);
  if (buf[at] !== NULL_BYTE) throw FALLBACK;
  read.valueEnd = at + 4;
  return '';
}

/** An id as the generic path keeps it: the string, lower-cased (judged later, per span). */
function readId(buf: Buffer, at: number): string {
  if (buf[at] === QUOTE) {
    // The usual case, 16 or 32 ASCII characters with no escape, without a native call.
    if (buf[at + 17] === QUOTE && plainAscii(buf, at + 1, at + 17)) {
      read.valueEnd = at + 18;
      return lowerAscii(buf, at + 1);
    }
    if (buf[at + 33] === QUOTE && plainAscii(buf, at + 1, at + 33)) {
      read.valueEnd = at + 34;
      return lowerAscii(buf, at + 1) + lowerAscii(buf, at + 17);
    }
  }
  return readText(buf, at).toLowerCase();
}

/** Whether `buf[start, end)` is ASCII with no quote or backslash. */
function plainAscii(buf: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; at += 1) {
    const byte = buf[at]!;
    if (byte >= 0x80 || byte === QUOTE || byte === 0x5c) return false;
  }
  return true;
}

// Byte -> char code lower-cased (ASCII letters only, as String.prototype.toLowerCase does for them).
const LOWER = new Uint8Array(128);
for (let byte = 0; byte < 128; byte += 1) {
  LOWER[byte] = byte >= 0x41 && byte <= 0x5a ? byte + 32 : byte;
}

/** 16 ASCII characters at `at`, lower-cased. */
function lowerAscii(buf: Buffer, at: number): string {
  const l = LOWER;
  return String.fromCharCode(
    l[buf[at]!]!,
    l[buf[at + 1]!]!,
    l[buf[at + 2]!]!,
    l[buf[at + 3]!]!,
    l[buf[at + 4]!]!,
    l[buf[at + 5]!]!,
    l[buf[at + 6]!]!,
    l[buf[at + 7]!]!,
    l[buf[at + 8]!]!,
    l[buf[at + 9]!]!,
    l[buf[at + 10]!]!,
    l[buf[at + 11]!]!,
    l[buf[at + 12]!]!,
    l[buf[at + 13]!]!,
    l[buf[at + 14]!]!,
    l[buf[at + 15]!]!,
  );
}

function readTime(buf: Buffer, at: number, field: string): number {
  return readNanosAsMillis(buf, at) ?? readUnixNanosAsMillis(readScalar(buf, at), field);
}

function readAttributes(
  buf: Buffer,
  at: number,
  recent: RecentAttributes,
): Record<string, AttributeValue> {
  if (buf[at] !== OPEN_ARRAY) {
    if (buf[at] !== NULL_BYTE) throw FALLBACK;
    read.valueEnd = at + 4;
    return NO_ATTRIBUTES;
  }
  if (sameBytes(buf, at, recent.start, recent.end)) {
    read.valueEnd = at + recent.end - recent.start;
    if (!Object.isFrozen(recent.attributes)) Object.freeze(recent.attributes);
    return recent.attributes;
  }
  const attributes = readKeyValuesFast(buf, at, 0, recent);
  recent.start = at;
  recent.end = read.valueEnd;
  recent.attributes = attributes;
  return attributes;
}

/**
 * The valid array of KeyValues at `pos`, flattened as `readKeyValues` does; `read.valueEnd` is
 * set past it.
 */
export function readKeyValuesFast(
  buf: Buffer,
  pos: number,
  depth: number,
  recent?: RecentAttributes,
): Record<string, AttributeValue> {
  let at = skipSpace(buf, pos + 1);
  if (buf[at] === CLOSE_ARRAY) {
    read.valueEnd = at + 1;
    return NO_ATTRIBUTES;
  }
  const attributes: Record<string, AttributeValue> = {};
  for (let entry = 0; ; entry += 1) {
    if (buf[at] !== OPEN_OBJECT) throw FALLBACK;
    if (
      recent !== undefined &&
      entry < recent.entryStart.length &&
      sameBytes(buf, at, recent.entryStart[entry]!, recent.entryEnd[entry]!)
    ) {
      const flat = recent.entryValue[entry];
      if (flat !== undefined) attributes[recent.entryKey[entry]!] = flat;
      at = skipSpace(buf, at + recent.entryEnd[entry]! - recent.entryStart[entry]!);
      if (buf[at] !== COMMA) break;
      at = skipSpace(buf, at + 1);
      continue;
    }
    const entryStart = at;
    let key = '';
    let flat: AttributeValue | undefined;
    let seen = 0;
    at = skipSpace(buf, at + 1);
    if (buf[at] !== CLOSE_OBJECT) {
      for (;;) {
        const keyEnd = stringEnd(buf, at);
        if (read.hadEscape) throw FALLBACK;
        const member = bytesAre(buf, at + 1, keyEnd, 'key')
          ? 1
          : bytesAre(buf, at + 1, keyEnd, 'value')
            ? 2
            : 0;
        at = skipSpace(buf, skipSpace(buf, keyEnd + 1) + 1);
        if (member === 0) at = skipValue(buf, at);
        else {
          if ((seen & member) !== 0) throw FALLBACK;
          seen |= member;
          if (member === 1) key = readText(buf, at);
          else if (buf[at] === OPEN_OBJECT) flat = readAnyValueFast(buf, at, depth);
          else if (buf[at] === NULL_BYTE) read.valueEnd = at + 4;
          else throw FALLBACK;
          at = read.valueEnd;
        }
        at = skipSpace(buf, at);
        if (buf[at] !== COMMA) break;
        at = skipSpace(buf, at + 1);
      }
    }
    if (flat !== undefined) attributes[key] = flat;
    if (recent !== undefined) {
      recent.entryStart[entry] = entryStart;
      recent.entryEnd[entry] = at + 1;
      recent.entryKey[entry] = key;
      recent.entryValue[entry] = flat;
    }
    at = skipSpace(buf, at + 1);
    if (buf[at] !== COMMA) break;
    at = skipSpace(buf, at + 1);
  }
  read.valueEnd = at + 1;
  return attributes;
}

// AnyValue's members, in the order the generic path tries them.
const ANY_VALUE_MEMBERS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
];

function anyValueMember(buf: Buffer, start: number, end: number): number {
  for (let member = 0; member < ANY_VALUE_MEMBERS.length; member += 1) {
    if (bytesAre(buf, start, end, ANY_VALUE_MEMBERS[member]!)) return member;
  }
  return -1;
}

/** The valid AnyValue object at `pos`, as `readAnyValue` flattens it. */
function readAnyValueFast(buf: Buffer, pos: number, depth: number): AttributeValue | undefined {
  if (depth > MAX_DEPTH) {
    read.valueEnd = skipValue(buf, pos);
    return undefined;
  }
  let value: AttributeValue | undefined;
  let seen = 0;
  let at = skipSpace(buf, pos + 1);
  if (buf[at] !== CLOSE_OBJECT) {
    for (;;) {
      const keyEnd = stringEnd(buf, at);
      if (read.hadEscape) throw FALLBACK;
      const member = anyValueMember(buf, at + 1, keyEnd);
      at = skipSpace(buf, skipSpace(buf, keyEnd + 1) + 1);
      if (member < 0) at = skipValue(buf, at);
      else {
        if ((seen & (1 << member)) !== 0) throw FALLBACK;
        seen |= 1 << member;
        if (buf[at] === NULL_BYTE) at += 4;
        else {
          // Several members set: the generic path decides which one wins.
          if (value !== undefined) throw FALLBACK;
          value = readMember(buf, at, member, depth);
          at = read.valueEnd;
        }
      }
      at = skipSpace(buf, at);
      if (buf[at] !== COMMA) break;
      at = skipSpace(buf, at + 1);
    }
  }
  read.valueEnd = at + 1;
  return value;
}

/**
 * A decimal string of 1 to 15 digits (OTLP/JSON's int64 attributes), as the number
 * `readInt64Value` makes of it; undefined for anything else.
 */
function readSmallInt(buf: Buffer, at: number): number | undefined {
  if (buf[at] !== QUOTE) return undefined;
  let number = 0;
  let end = at + 1;
  for (; end - at <= 15; end += 1) {
    const digit = buf[end]! - 0x30;
    if (digit < 0 || digit > 9) break;
    number = number * 10 + digit;
  }
  if (end === at + 1 || buf[end] !== QUOTE) return undefined;
  read.valueEnd = end + 1;
  return number;
}

function readMember(buf: Buffer, at: number, member: number, depth: number): AttributeValue {
  const first = buf[at];
  switch (member) {
    case 0:
      if (first !== QUOTE) throw FALLBACK;
      // Short ASCII strings are shared by readUtf8 already; others as the generic path keeps them.
      return readString(buf, at, true);
    case 1:
      if (first !== 0x74 && first !== 0x66) throw FALLBACK;
      return readScalar(buf, at) as boolean;
    case 2:
      return readSmallInt(buf, at) ?? readInt64Value(readScalar(buf, at), 'intValue');
    case 3:
      return readDouble(readScalar(buf, at), 'doubleValue');
    case 4:
      if (first !== OPEN_OBJECT) throw FALLBACK;
      return readListFast(buf, at, depth, false);
    case 5:
      if (first !== OPEN_OBJECT) throw FALLBACK;
      return readListFast(buf, at, depth, true);
    default:
      if (first !== QUOTE) throw FALLBACK;
      return readString(buf, at);
  }
}

/**
 * An ArrayValue (items joined with ',') or a KeyValueList (as JSON) at `pos`, each an object with
 * one `values` array; `read.valueEnd` is set past it.
 */
function readListFast(buf: Buffer, pos: number, depth: number, keyValues: boolean): string {
  let flat = keyValues ? '{}' : '';
  let seen = false;
  let at = skipSpace(buf, pos + 1);
  if (buf[at] !== CLOSE_OBJECT) {
    for (;;) {
      const keyEnd = stringEnd(buf, at);
      if (read.hadEscape) throw FALLBACK;
      const isValues = bytesAre(buf, at + 1, keyEnd, 'values');
      at = skipSpace(buf, skipSpace(buf, keyEnd + 1) + 1);
      if (!isValues) at = skipValue(buf, at);
      else {
        if (seen) throw FALLBACK;
        seen = true;
        if (buf[at] === NULL_BYTE) at += 4;
        else {
          if (buf[at] !== OPEN_ARRAY) throw FALLBACK;
          flat = keyValues
            ? JSON.stringify(readKeyValuesFast(buf, at, depth + 1))
            : readItemsFast(buf, at, depth);
          at = read.valueEnd;
        }
      }
      at = skipSpace(buf, at);
      if (buf[at] !== COMMA) break;
      at = skipSpace(buf, at + 1);
    }
  }
  read.valueEnd = at + 1;
  return flat;
}

/** ArrayValue's items at `pos` (an array), joined with ','. */
function readItemsFast(buf: Buffer, pos: number, depth: number): string {
  let joined = '';
  let at = skipSpace(buf, pos + 1);
  let index = 0;
  if (buf[at] !== CLOSE_ARRAY) {
    for (;;) {
      let flat: AttributeValue | undefined;
      if (buf[at] === OPEN_OBJECT) {
        flat = readAnyValueFast(buf, at, depth + 1);
        at = read.valueEnd;
      } else if (buf[at] === NULL_BYTE) at += 4;
      else throw FALLBACK;
      if (index > 0) joined += ',';
      joined += flat === undefined ? '' : String(flat);
      index += 1;
      at = skipSpace(buf, at);
      if (buf[at] !== COMMA) break;
      at = skipSpace(buf, at + 1);
    }
  }
  read.valueEnd = at + 1;
  return joined;
}
