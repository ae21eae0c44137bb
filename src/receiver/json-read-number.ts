/**
 * Reading scalars, validating as it goes: numbers as `JSON.parse` makes them, and the decimal
 * strings OTLP/JSON writes for times and int64 attributes, without making a string. Bytes that
 * are not a JSON scalar throw FALLBACK.
 */
import { FALLBACK, MINUS, NINE, QUOTE, ZERO, bytesAre } from './json-syntax';
import { isNull, read, readString } from './json-read-string';
import { validNumber } from './json-validate';

/**
 * The scalar at `pos` as `JSON.parse` makes it (string, number, boolean or null), with `valueEnd`
 * past it; FALLBACK for an object, an array or bytes that are not a scalar.
 */
export function readScalar(buf: Buffer, pos: number): string | number | boolean | null {
  const first = buf[pos]!;
  if (first === QUOTE) return readString(buf, pos);
  if (first === 0x74) {
    if (!bytesAre(buf, pos, pos + 4, 'true')) throw FALLBACK;
    read.valueEnd = pos + 4;
    return true;
  }
  if (first === 0x66) {
    if (!bytesAre(buf, pos, pos + 5, 'false')) throw FALLBACK;
    read.valueEnd = pos + 5;
    return false;
  }
  if (first === 0x6e) {
    if (!isNull(buf, pos)) throw FALLBACK;
    read.valueEnd = pos + 4;
    return null;
  }
  if (first !== MINUS && (first < ZERO || first > NINE)) throw FALLBACK;
  const end = validNumber(buf, pos);
  if (end < 0) throw FALLBACK;
  read.valueEnd = end;
  // Small plain integers directly; anything else as the engine reads a JSON number.
  if (end - pos <= 15 && first !== MINUS) {
    let number = 0;
    let at = pos;
    for (; at < end; at += 1) {
      const digit = buf[at]! - ZERO;
      if (digit < 0 || digit > 9) break;
      number = number * 10 + digit;
    }
    if (at === end) return number;
  }
  return Number(buf.toString('latin1', pos, end));
}

/**
 * A plain decimal string of 1 to 19 digits at `pos` (uint64 nanoseconds, as OTLP/JSON writes
 * times) as milliseconds, computed exactly as `decimalNanosToMillis` does; undefined for any
 * other value (the caller then reads it the generic way).
 */
export function readNanosAsMillis(buf: Buffer, pos: number): number | undefined {
  if (buf[pos] !== QUOTE) return undefined;
  let end = pos + 1;
  while (buf[end]! >= ZERO && buf[end]! <= NINE) end += 1;
  const length = end - pos - 1;
  if (buf[end] !== QUOTE || length === 0 || length > 19) return undefined;
  const split = end - 6;
  let wholeMs = 0;
  let nanos = 0;
  for (let at = pos + 1; at < end; at += 1) {
    const digit = buf[at]! - ZERO;
    if (at < split) wholeMs = wholeMs * 10 + digit;
    else nanos = nanos * 10 + digit;
  }
  read.valueEnd = end + 1;
  return wholeMs + nanos / 1e6;
}

/**
 * A decimal string of 1 to 15 digits (OTLP/JSON's int64 attributes), as the number
 * `readInt64Value` makes of it; undefined for anything else.
 */
export function readSmallInt(buf: Buffer, at: number): number | undefined {
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
