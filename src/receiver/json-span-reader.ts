/**
 * Reads one OTLP/JSON span straight from the body's bytes into the batch, validating its bytes as
 * it goes (bytes that are not JSON throw FALLBACK, and the caller validates the span alone to
 * decide whether the body takes the generic path): only the fields the verifier uses become strings or numbers; everything else is skipped
 * by position. The scalars it keeps are the very values `JSON.parse` would make, converted by the
 * same functions as the generic path (`json-values.ts`), so both agree by construction. Anything
 * out of the ordinary (a value of the wrong type, a key given twice, an escaped key, several
 * members of AnyValue's oneof) throws FALLBACK or a FieldError, and the caller reads that span the
 * generic way, which decides, and words any error, exactly as before.
 */
import type { AttributeValue } from '../verify/types';
import { readAttributes } from './json-attribute-reader';
import type { RecentFields, RecentIds } from './json-recent';
import { readNanosAsMillis, readScalar } from './json-read-number';
import { read, readText, skipValue, stringEnd } from './json-read-string';
import {
  CLOSE_OBJECT,
  COLON,
  COMMA,
  FALLBACK,
  OPEN_OBJECT,
  QUOTE,
  bytesAre,
  skipSpace,
} from './json-syntax';
import { readEnum, readUint32, readUnixNanosAsMillis } from './json-values';
import { SPAN_KIND_VALUES } from './otlp-schema';
import { NO_ATTRIBUTES, type SpanBatch } from './span-batch';

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

// Each field's key as it usually comes, `"name":` (no space), by field bit's position.
const FIELD_KEYS: readonly Uint8Array[] = [
  'traceId',
  'spanId',
  'parentSpanId',
  'name',
  'kind',
  'flags',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'attributes',
].map((name) => Buffer.from(`"${name}":`, 'latin1'));

/**
 * The field whose key (with its quotes and colon) is at `at`, when it is the one `expected` (a
 * field bit, 0 for none): an exporter writes its spans' keys in the same order, so the key
 * the previous span had at this place usually comes again. 0 when it is not.
 */
function expectedField(buf: Buffer, at: number, expected: number): number {
  if (expected === 0) return 0;
  const key = FIELD_KEYS[31 - Math.clz32(expected)]!;
  for (let offset = 0; offset < key.length; offset += 1) {
    if (buf[at + offset] !== key[offset]) return 0;
  }
  return expected;
}

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
 * The span at `pos` into the batch; returns the span's end. FALLBACK or a FieldError when it needs
 * the slow path (nothing is added then).
 */
export function readSpanFast(
  buf: Buffer,
  pos: number,
  recent: RecentFields,
  batch: SpanBatch,
): number {
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
  const order = recent.fieldOrder;
  let at = skipSpace(buf, pos + 1);
  if (buf[at] !== CLOSE_OBJECT) {
    for (let member = 0; ; member += 1) {
      let field = expectedField(buf, at, order[member] ?? 0);
      if (field !== 0) at = skipSpace(buf, at + FIELD_KEYS[31 - Math.clz32(field)]!.length);
      else {
        if (buf[at] !== QUOTE) throw FALLBACK;
        const keyEnd = stringEnd(buf, at);
        if (read.hadEscape) throw FALLBACK;
        field = spanField(buf, at + 1, keyEnd);
        order[member] = field;
        at = skipSpace(buf, keyEnd + 1);
        if (buf[at] !== COLON) throw FALLBACK;
        at = skipSpace(buf, at + 1);
      }
      if (field === 0) at = skipValue(buf, at);
      else {
        if ((seen & field) !== 0) throw FALLBACK;
        seen |= field;
        switch (field) {
          case TRACE_ID:
            traceId =
              recent.traceId.reuse(at) ?? recent.traceId.keep(at, readId(buf, at, recent.ids));
            break;
          case SPAN_ID:
            spanId = readId(buf, at, recent.ids);
            break;
          case PARENT_SPAN_ID:
            parentSpanId = readId(buf, at, recent.ids);
            break;
          case NAME:
            name = recent.name.reuse(at) ?? recent.name.keep(at, readText(buf, at, true));
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
    if (buf[at] !== CLOSE_OBJECT) throw FALLBACK;
  }
  batch.add(traceId, spanId, parentSpanId, flags, name, kind, startTimeMs, endTimeMs, attributes);
  return at + 1;
}

/**
 * An id as the generic path keeps it (the string, lower-cased), read here only when it is 16 or
 * 32 hex digits (or empty): so every id this reader returns is lower-case hex, and a batch it
 * writes into skips that check (`SpanBatch`'s `idsAreHex`). Anything else throws FALLBACK: the
 * generic path reads the span and judges its ids. An id read before in this body is that string
 * again (`RecentIds`).
 */
function readId(buf: Buffer, at: number, ids: RecentIds): string {
  if (buf[at] === QUOTE) {
    if (buf[at + 17] === QUOTE) {
      const known = ids.find(at + 1, 16);
      if (known !== undefined || hexDigits(buf, at + 1, at + 17)) {
        read.valueEnd = at + 18;
        return known ?? ids.keep(at + 1, lowerHex(buf, at + 1));
      }
    }
    if (buf[at + 33] === QUOTE) {
      const known = ids.find(at + 1, 32);
      if (known !== undefined || hexDigits(buf, at + 1, at + 33)) {
        read.valueEnd = at + 34;
        return known ?? ids.keep(at + 1, lowerHex(buf, at + 1) + lowerHex(buf, at + 17));
      }
    }
    if (buf[at + 1] === QUOTE) {
      read.valueEnd = at + 2;
      return '';
    }
  }
  throw FALLBACK;
}

// Byte -> its char code lower-cased if it is a hex digit (as String.prototype.toLowerCase does
// for ASCII letters), else 0.
const LOWER_HEX = new Uint8Array(256);
for (const char of '0123456789abcdef') LOWER_HEX[char.charCodeAt(0)] = char.charCodeAt(0);
for (const char of 'ABCDEF') LOWER_HEX[char.charCodeAt(0)] = char.toLowerCase().charCodeAt(0);

/** Whether `buf[start, end)` are all hex digits. */
function hexDigits(buf: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; at += 1) if (LOWER_HEX[buf[at]!] === 0) return false;
  return true;
}

/** 16 hex digits at `at`, lower-cased. */
function lowerHex(buf: Buffer, at: number): string {
  const l = LOWER_HEX;
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
