/**
 * Reads a span's attributes (OTLP KeyValues and their AnyValues) straight from the body's bytes,
 * validating them as it goes (equal bytes to ones already read are valid as those were), flattened as the generic path (`readKeyValues` in
 * `json-values.ts`) flattens them. Anything out of the ordinary throws FALLBACK or a FieldError,
 * as in `json-span-reader.ts`.
 */
import type { AttributeValue } from '../verify/types';
import { type RecentAttributes, sameBytes } from './json-recent';
import { readScalar, readSmallInt } from './json-read-number';
import { isNull, read, readString, readText, skipValue, stringEnd } from './json-read-string';
import {
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  FALLBACK,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  bytesAre,
  skipSpace,
} from './json-syntax';
import { MAX_DEPTH, readDouble, readInt64Value } from './json-values';
import { NO_ATTRIBUTES } from './span-batch';

/**
 * A span's `attributes` at `at` (an array, or null), with `read.valueEnd` set past it; the previous
 * span's object when the bytes are the same (see RecentAttributes).
 */
export function readAttributes(
  buf: Buffer,
  at: number,
  recent: RecentAttributes,
): Record<string, AttributeValue> {
  if (buf[at] !== OPEN_ARRAY) {
    if (!isNull(buf, at)) throw FALLBACK;
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
 * The array of KeyValues at `pos`, flattened as `readKeyValues` does; `read.valueEnd` is
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
        const keyEnd = memberKeyEnd(buf, at);
        const member = bytesAre(buf, at + 1, keyEnd, 'key')
          ? 1
          : bytesAre(buf, at + 1, keyEnd, 'value')
            ? 2
            : 0;
        at = memberValue(buf, keyEnd);
        if (member === 0) at = skipValue(buf, at);
        else {
          if ((seen & member) !== 0) throw FALLBACK;
          seen |= member;
          if (member === 1) key = readText(buf, at);
          else if (buf[at] === OPEN_OBJECT) flat = readAnyValueFast(buf, at, depth);
          else if (isNull(buf, at)) read.valueEnd = at + 4;
          else throw FALLBACK;
          at = read.valueEnd;
        }
        at = skipSpace(buf, at);
        if (buf[at] !== COMMA) break;
        at = skipSpace(buf, at + 1);
      }
      if (buf[at] !== CLOSE_OBJECT) throw FALLBACK;
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
  if (buf[at] !== CLOSE_ARRAY) throw FALLBACK;
  read.valueEnd = at + 1;
  return attributes;
}

/** The closing quote of the member key at `pos`; FALLBACK unless it is a string with no escape. */
function memberKeyEnd(buf: Buffer, pos: number): number {
  if (buf[pos] !== QUOTE) throw FALLBACK;
  const keyEnd = stringEnd(buf, pos);
  if (read.hadEscape) throw FALLBACK;
  return keyEnd;
}

/** The position of a member's value, after its key's closing quote at `keyEnd` and the colon. */
function memberValue(buf: Buffer, keyEnd: number): number {
  const colon = skipSpace(buf, keyEnd + 1);
  if (buf[colon] !== COLON) throw FALLBACK;
  return skipSpace(buf, colon + 1);
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

/** The AnyValue object at `pos`, as `readAnyValue` flattens it. */
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
      const keyEnd = memberKeyEnd(buf, at);
      const member = anyValueMember(buf, at + 1, keyEnd);
      at = memberValue(buf, keyEnd);
      if (member < 0) at = skipValue(buf, at);
      else {
        if ((seen & (1 << member)) !== 0) throw FALLBACK;
        seen |= 1 << member;
        if (isNull(buf, at)) at += 4;
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
    if (buf[at] !== CLOSE_OBJECT) throw FALLBACK;
  }
  read.valueEnd = at + 1;
  return value;
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
      const keyEnd = memberKeyEnd(buf, at);
      const isValues = bytesAre(buf, at + 1, keyEnd, 'values');
      at = memberValue(buf, keyEnd);
      if (!isValues) at = skipValue(buf, at);
      else {
        if (seen) throw FALLBACK;
        seen = true;
        if (isNull(buf, at)) at += 4;
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
    if (buf[at] !== CLOSE_OBJECT) throw FALLBACK;
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
      } else if (isNull(buf, at)) at += 4;
      else throw FALLBACK;
      if (index > 0) joined += ',';
      joined += flat === undefined ? '' : String(flat);
      index += 1;
      at = skipSpace(buf, at);
      if (buf[at] !== COMMA) break;
      at = skipSpace(buf, at + 1);
    }
    if (buf[at] !== CLOSE_ARRAY) throw FALLBACK;
  }
  read.valueEnd = at + 1;
  return joined;
}
