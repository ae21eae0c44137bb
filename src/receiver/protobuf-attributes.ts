import type { AttributeValue } from '../verify/types';
import {
  int64Value,
  type ProtoReader,
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
} from './proto-reader';
import { readUtf8 } from './utf8-cache';

// AnyValue's oneof (common.proto); ArrayValue and KeyValueList both hold field 1, repeated.
const TAG_STRING = (1 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_BOOL = (2 << 3) | WIRE_VARINT;
const TAG_INT = (3 << 3) | WIRE_VARINT;
const TAG_DOUBLE = (4 << 3) | WIRE_FIXED64;
const TAG_ARRAY = (5 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_KVLIST = (6 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_BYTES = (7 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_VALUES = (1 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_KEY = (1 << 3) | WIRE_LENGTH_DELIMITED; // KeyValue
const TAG_VALUE = (2 << 3) | WIRE_LENGTH_DELIMITED; // KeyValue

// Deeply nested values cannot come from an SDK; past this depth they are skipped, not recursed.
const MAX_DEPTH = 16;

/**
 * Reads an AnyValue message straight into the span record's plain value, the way the in-process
 * path flattens SDK attributes: arrays become their items joined with ','; nested key/value lists
 * (not producible by the OTel JS API, but legal in OTLP) become JSON; bytes become base64; an
 * int64 stays a number while exact, else its decimal digits. Undefined for an empty value. When
 * a sender sets several members of the oneof, the last one on the wire wins, as protobuf says.
 */
export function readAnyValue(reader: ProtoReader, depth: number): AttributeValue | undefined {
  if (depth > MAX_DEPTH) {
    reader.pos = reader.lengthEnd();
    return undefined;
  }
  const outerEnd = reader.enter();
  let value: AttributeValue | undefined;
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === TAG_STRING) value = readString(reader);
    else if (tag === TAG_BOOL) {
      reader.varint64();
      value = reader.low !== 0 || reader.high !== 0;
    } else if (tag === TAG_INT) {
      reader.varint64();
      value = int64Value(reader.low, reader.high);
    } else if (tag === TAG_DOUBLE) value = reader.double();
    else if (tag === TAG_ARRAY) value = readArray(reader, depth);
    else if (tag === TAG_KVLIST) value = readKeyValueList(reader, depth);
    else if (tag === TAG_BYTES) {
      const end = reader.lengthEnd();
      value = reader.buf.toString('base64', reader.pos, end);
      reader.pos = end;
    } else reader.skip(tag & 7);
  }
  reader.leave(outerEnd);
  return value;
}

function readArray(reader: ProtoReader, depth: number): string {
  const outerEnd = reader.enter();
  const items: string[] = [];
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === TAG_VALUES) items.push(String(readAnyValue(reader, depth + 1) ?? ''));
    else reader.skip(tag & 7);
  }
  reader.leave(outerEnd);
  return items.join(',');
}

function readKeyValueList(reader: ProtoReader, depth: number): string {
  const outerEnd = reader.enter();
  const object: Record<string, AttributeValue> = {};
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === TAG_VALUES) readAttribute(reader, object, depth + 1);
    else reader.skip(tag & 7);
  }
  reader.leave(outerEnd);
  return JSON.stringify(object);
}

/** One KeyValue into `attributes`: a later key wins; a value that flattens to nothing is left out. */
export function readAttribute(
  reader: ProtoReader,
  attributes: Record<string, AttributeValue>,
  depth = 0,
): void {
  const outerEnd = reader.enter();
  let key = '';
  let value: AttributeValue | undefined;
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === TAG_KEY) key = readString(reader);
    else if (tag === TAG_VALUE) value = readAnyValue(reader, depth);
    else reader.skip(tag & 7);
  }
  reader.leave(outerEnd);
  if (value !== undefined) attributes[key] = value;
}

export function readString(reader: ProtoReader): string {
  const end = reader.lengthEnd();
  const text = readUtf8(reader.buf, reader.pos, end);
  reader.pos = end;
  return text;
}
