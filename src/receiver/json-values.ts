import type { AttributeValue } from '../verify/types';
import { NO_ATTRIBUTES } from './span-batch';

export type JsonObject = Record<string, unknown>;

/**
 * A value of the wrong type, with its path relative to where it was read; the caller that knows
 * the absolute path turns it into the DecodeError (paths are built only when something fails).
 */
export class FieldError extends Error {
  readonly shown: string;
  constructor(
    /** Grows as the error passes up through the levels that know more of the path. */
    public field: string,
    readonly expected: string,
    value: unknown,
  ) {
    super(`expected ${expected}`);
    const shown = JSON.stringify(value);
    this.shown = shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
  }
}

// The largest uint64, the type of every OTLP time: anything larger is refused like any bad time.
const UINT64_MAX_DIGITS = '18446744073709551615';
const DIGITS = /^\d+$/;
const SIGNED_DIGITS = /^-?\d+$/;

// Strings kept from a parsed body (trace ids, names, attribute values) repeat from span to span;
// keeping one copy lets the others die young instead of each surviving into the span store.
const INTERNED_MAX_LENGTH = 64;
const INTERNED_MAX_ENTRIES = 4096;
const interned = new Map<string, string>();

/** The one kept copy of a short string equal to `text`. */
export function intern(text: string): string {
  if (text.length > INTERNED_MAX_LENGTH) return text;
  const kept = interned.get(text);
  if (kept !== undefined) return kept;
  if (interned.size >= INTERNED_MAX_ENTRIES) interned.clear();
  interned.set(text, text);
  return text;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function readObject(value: unknown, field = ''): JsonObject {
  return readOptionalObject(value, field) ?? {};
}

export function readOptionalObject(value: unknown, field = ''): JsonObject | undefined {
  if (!isSet(value)) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new FieldError(field, 'an object', value);
  }
  return value as JsonObject;
}

export function readString(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (!isSet(value)) return '';
  throw new FieldError(field, 'a string', value);
}

export function readUint32(value: unknown, field: string): number {
  if (!isSet(value)) return 0;
  const number = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 0xffffffff)
    throw new FieldError(field, 'an unsigned 32-bit integer', value);
  return number;
}

export function readEnum(
  value: unknown,
  field: string,
  values: Readonly<Record<string, number>>,
): number {
  if (!isSet(value)) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && Object.hasOwn(values, value)) return values[value]!;
  throw new FieldError(field, `an integer or one of ${Object.keys(values).join(', ')}`, value);
}

/**
 * A uint64 of nanoseconds (a decimal string, or a number) as milliseconds with the sub-millisecond
 * part: exactly the double of (integer quotient by 10^6) + (remainder / 10^6), read digit by digit
 * with no BigInt and no intermediate strings. Negative, fractional or larger than uint64: refused.
 */
export function readUnixNanosAsMillis(value: unknown, field: string): number {
  if (!isSet(value)) return 0;
  let millis: number | undefined;
  if (typeof value === 'string') millis = decimalNanosToMillis(value);
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    millis = decimalNanosToMillis(BigInt(value).toString());
  }
  if (millis !== undefined) return millis;
  const signed = typeof value === 'string' ? SIGNED_DIGITS.test(value) : Number.isInteger(value);
  throw new FieldError(
    field,
    signed ? 'an unsigned 64-bit integer' : 'an integer or a decimal string',
    value,
  );
}

/** Decimal nanoseconds to milliseconds (see above); undefined unless they are a valid uint64. */
export function decimalNanosToMillis(digits: string): number | undefined {
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start += 1;
  const significant = digits.length - start;
  if (significant === 0 || significant > UINT64_MAX_DIGITS.length) return undefined;
  // Whole milliseconds (at most 14 digits: exact in a double) and the last 6 digits apart.
  const split = digits.length - 6;
  let wholeMs = 0;
  let nanos = 0;
  for (let index = start; index < digits.length; index += 1) {
    const digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return undefined;
    if (index < split) wholeMs = wholeMs * 10 + digit;
    else nanos = nanos * 10 + digit;
  }
  if (significant === UINT64_MAX_DIGITS.length && digits.slice(start) > UINT64_MAX_DIGITS) {
    return undefined;
  }
  return wholeMs + nanos / 1e6;
}

/** 64-bit integers as decimal strings (proto3 JSON writes them as strings, accepts numbers). */
function readInt64(value: unknown, field: string): string {
  if (typeof value === 'string' && SIGNED_DIGITS.test(value)) return value;
  if (!isSet(value)) return '0';
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
  throw new FieldError(field, 'an integer or a decimal string', value);
}

export function readInt64Value(value: unknown, field: string): AttributeValue {
  const digits = readInt64(value, field);
  const number = Number(digits);
  // Past 2^53 a number would silently change the value; the exact digits are kept instead.
  return Number.isSafeInteger(number) ? number : BigInt(digits).toString();
}

export function readDouble(value: unknown, field: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  }
  throw new FieldError(field, 'a number', value);
}

function readBool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new FieldError(field, 'true or false', value);
  return value;
}

// Deeply nested values cannot come from an SDK; past this depth they are cut rather than recursed.
export const MAX_DEPTH = 16;

/**
 * OTLP KeyValues flattened into the span record's plain values, as the protobuf path does: arrays
 * joined with ',', key/value lists as JSON, bytes as base64, int64 a number while exact.
 */
export function readKeyValues(
  value: unknown,
  field = '',
  depth = 0,
): Record<string, AttributeValue> {
  if (!isSet(value)) return NO_ATTRIBUTES;
  if (!Array.isArray(value)) throw new FieldError(field, 'an array', value);
  if (value.length === 0) return NO_ATTRIBUTES;
  const attributes: Record<string, AttributeValue> = {};
  for (let index = 0; index < value.length; index += 1) {
    try {
      const entry = readObject(value[index]);
      const key = readString(entry['key'], 'key');
      const flat = readAnyValue(entry['value'], 'value', depth);
      if (flat !== undefined) attributes[key] = flat;
    } catch (error) {
      throw prefixed(error, `${field}[${index}]`);
    }
  }
  return attributes;
}

function readAnyValue(value: unknown, field: string, depth: number): AttributeValue | undefined {
  const object = readOptionalObject(value, field);
  if (object === undefined || depth > MAX_DEPTH) return undefined;
  // A oneof: the first field present wins, as a proto3 parser keeps one of them. Field paths are
  // built only on failure (`prefixed`), never per value.
  try {
    if (isSet(object['stringValue'])) {
      return intern(readString(object['stringValue'], 'stringValue'));
    }
    if (isSet(object['boolValue'])) return readBool(object['boolValue'], 'boolValue');
    if (isSet(object['intValue'])) return readInt64Value(object['intValue'], 'intValue');
    if (isSet(object['doubleValue'])) return readDouble(object['doubleValue'], 'doubleValue');
    if (isSet(object['arrayValue'])) return readArrayValue(object['arrayValue'], depth);
    if (isSet(object['kvlistValue'])) {
      const list = readObject(object['kvlistValue'], 'kvlistValue');
      return JSON.stringify(readKeyValues(list['values'], 'kvlistValue.values', depth + 1));
    }
    if (isSet(object['bytesValue'])) return readString(object['bytesValue'], 'bytesValue');
  } catch (error) {
    throw prefixed(error, field);
  }
  return undefined;
}

function readArrayValue(value: unknown, depth: number): string {
  const items = readObject(value, 'arrayValue')['values'];
  if (!isSet(items)) return '';
  if (!Array.isArray(items)) throw new FieldError('arrayValue.values', 'an array', items);
  let joined = '';
  for (let index = 0; index < items.length; index += 1) {
    let flat: AttributeValue | undefined;
    try {
      flat = readAnyValue(items[index], '', depth + 1);
    } catch (error) {
      throw prefixed(error, `arrayValue.values[${index}]`);
    }
    if (index > 0) joined += ',';
    joined += flat === undefined ? '' : String(flat);
  }
  return joined;
}

function prefixed(error: unknown, prefix: string): unknown {
  if (error instanceof FieldError && prefix !== '')
    error.field = error.field === '' ? prefix : `${prefix}.${error.field}`;
  return error;
}
