/**
 * Byte-level JSON for the OTLP/JSON reader: a validating scan (exactly JSON's grammar, RFC 8259,
 * iterative so no nesting depth can exhaust the stack) and, for bytes already validated, cheap
 * readers and skippers that make strings and numbers only for the values asked for. Nothing here
 * builds objects or arrays.
 */
import { intern } from './json-values';
import { readUtf8 } from './utf8-cache';

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COLON = 0x3a;
export const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Thrown where the fast reader meets anything it does not handle itself (a wrong type, a
 * duplicate key, an escaped key, invalid JSON): the caller then takes the exact slow path
 * (`JSON.parse` and the generic conversion), which accepts or refuses with the usual message.
 */
export const FALLBACK: unique symbol = Symbol('json-fallback');

// 1 for the bytes that end a run of plain string content: '"', '\' and the control characters.
const STRING_STOP = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte += 1) STRING_STOP[byte] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;
// 1 for JSON's whitespace.
const SPACE = new Uint8Array(256);
for (const byte of [0x20, 0x09, 0x0a, 0x0d]) SPACE[byte] = 1;
// 1 for the characters that may follow '\' (other than 'u').
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const char of '"\\/bfnrt') SIMPLE_ESCAPE[char.charCodeAt(0)] = 1;
// 1 for hexadecimal digits.
const HEX = new Uint8Array(256);
for (const char of '0123456789abcdefABCDEF') HEX[char.charCodeAt(0)] = 1;

export function skipSpace(buf: Uint8Array, pos: number): number {
  while (SPACE[buf[pos]!] === 1) pos += 1;
  return pos;
}

/** Whether `buf[start, end)` is the ASCII `name`. */
export function bytesAre(buf: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let index = 0; index < name.length; index += 1) {
    if (buf[start + index] !== name.charCodeAt(index)) return false;
  }
  return true;
}

// ---- Validation: exactly the JSON grammar; -1 where the bytes are not JSON. ----

/** The end of the valid string starting at `pos` (its opening quote), or -1. */
export function validString(buf: Uint8Array, pos: number, end: number): number {
  let at = pos + 1;
  for (;;) {
    while (at < end && STRING_STOP[buf[at]!] === 0) at += 1;
    if (at >= end) return -1;
    const byte = buf[at]!;
    if (byte === QUOTE) return at + 1;
    if (byte !== BACKSLASH) return -1;
    const escaped = buf[at + 1]!;
    if (SIMPLE_ESCAPE[escaped] === 1) at += 2;
    else if (
      escaped === 0x75 &&
      HEX[buf[at + 2]!] === 1 &&
      HEX[buf[at + 3]!] === 1 &&
      HEX[buf[at + 4]!] === 1 &&
      HEX[buf[at + 5]!] === 1
    )
      at += 6;
    else return -1;
  }
}

function digitsEnd(buf: Uint8Array, pos: number): number {
  while (buf[pos]! >= ZERO && buf[pos]! <= NINE) pos += 1;
  return pos;
}

/** The end of the valid number starting at `pos`, or -1. */
export function validNumber(buf: Uint8Array, pos: number): number {
  let at = pos;
  if (buf[at] === MINUS) at += 1;
  if (buf[at] === ZERO) at += 1;
  else {
    const after = digitsEnd(buf, at);
    if (after === at) return -1;
    at = after;
  }
  if (buf[at] === DOT) {
    const after = digitsEnd(buf, at + 1);
    if (after === at + 1) return -1;
    at = after;
  }
  if (buf[at] === 0x65 || buf[at] === 0x45) {
    at += 1;
    if (buf[at] === PLUS || buf[at] === MINUS) at += 1;
    const after = digitsEnd(buf, at);
    if (after === at) return -1;
    at = after;
  }
  return at;
}

function literalEnd(buf: Uint8Array, pos: number, word: string): number {
  return bytesAre(buf, pos, pos + word.length, word) ? pos + word.length : -1;
}

function validScalar(buf: Uint8Array, pos: number, end: number): number {
  const byte = buf[pos];
  if (byte === QUOTE) return validString(buf, pos, end);
  if (byte === MINUS || (byte! >= ZERO && byte! <= NINE)) return validNumber(buf, pos);
  if (byte === 0x74) return literalEnd(buf, pos, 'true');
  if (byte === 0x66) return literalEnd(buf, pos, 'false');
  if (byte === 0x6e) return literalEnd(buf, pos, 'null');
  return -1;
}

// Open containers of `validValue`, one byte each; grown on demand (a hostile body may nest deep).
let stack = new Uint8Array(256);

/**
 * The end of the valid JSON value starting at `pos` (after any whitespace), or -1. Iterative:
 * nesting costs one byte of `stack` per level, never a call frame.
 */
export function validValue(buf: Uint8Array, pos: number, end: number): number {
  let depth = 0;
  let at = skipSpace(buf, pos);
  for (;;) {
    // A value is expected at `at`.
    const byte = buf[at];
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      at = skipSpace(buf, at + 1);
      const close = byte === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (buf[at] === close) at += 1;
      else {
        if (depth === stack.length) {
          const grown = new Uint8Array(stack.length * 2);
          grown.set(stack);
          stack = grown;
        }
        stack[depth] = byte;
        depth += 1;
        if (byte === OPEN_OBJECT) {
          at = memberValue(buf, at, end);
          if (at < 0) return -1;
        }
        continue;
      }
    } else {
      at = validScalar(buf, at, end);
      if (at < 0) return -1;
    }
    // After a value: close containers, or find the next member or item.
    for (;;) {
      if (depth === 0) return at;
      at = skipSpace(buf, at);
      const container = stack[depth - 1];
      const next = buf[at];
      if (next === COMMA) {
        at = skipSpace(buf, at + 1);
        if (container === OPEN_OBJECT) {
          at = memberValue(buf, at, end);
          if (at < 0) return -1;
        }
        break;
      }
      if (next !== (container === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) return -1;
      at += 1;
      depth -= 1;
    }
  }
}

/** Validates `"key" :` at `pos`; the position of the member's value, or -1. */
function memberValue(buf: Uint8Array, pos: number, end: number): number {
  if (buf[pos] !== QUOTE) return -1;
  const keyEnd = validString(buf, pos, end);
  if (keyEnd < 0) return -1;
  const colon = skipSpace(buf, keyEnd);
  if (buf[colon] !== COLON) return -1;
  return skipSpace(buf, colon + 1);
}

// ---- Reading validated bytes. ----

/**
 * What the last reader call found besides its result: `valueEnd`, the position just past the
 * value read; `hadEscape`, whether the string `stringEnd` measured holds a backslash escape.
 */
export const read = { valueEnd: 0, hadEscape: false };

/** The position of the closing quote of the valid string whose opening quote is at `pos`. */
export function stringEnd(buf: Uint8Array, pos: number): number {
  let at = pos + 1;
  read.hadEscape = false;
  for (;;) {
    const byte = buf[at]!;
    if (byte === QUOTE) return at;
    if (byte === BACKSLASH) {
      read.hadEscape = true;
      at += 2;
    } else at += 1;
  }
}

/** The end of the valid value at `pos`, without looking inside strings more than needed. */
export function skipValue(buf: Buffer, pos: number): number {
  const first = buf[pos];
  if (first === QUOTE) return skipString(buf, pos);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let at = pos + 1;
    // A number or a literal: up to the next delimiter.
    for (;;) {
      const byte = buf[at]!;
      if (byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_ARRAY || SPACE[byte] === 1)
        return at;
      if (at >= buf.length) return at;
      at += 1;
    }
  }
  let depth = 0;
  let at = pos;
  for (;;) {
    const byte = buf[at]!;
    if (byte === QUOTE) {
      at = skipString(buf, at);
      continue;
    }
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth += 1;
    else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth -= 1;
      if (depth === 0) return at + 1;
    }
    at += 1;
  }
}

/**
 * The end (past the closing quote) of the valid string at `pos`. A byte loop: most strings are
 * short, and a native `indexOf` per string costs more than it saves.
 */
function skipString(buf: Buffer, pos: number): number {
  let at = pos + 1;
  for (;;) {
    const byte = buf[at]!;
    if (byte === QUOTE) return at + 1;
    at += byte === BACKSLASH ? 2 : 1;
  }
}

/**
 * The valid string at `pos` (its opening quote); `valueEnd` is set past its closing quote. Short
 * ASCII strings are shared (`readUtf8`); with `interned`, so are other short ones (`intern`), as
 * the generic path keeps them.
 */
export function readString(buf: Buffer, pos: number, interned = false): string {
  const close = stringEnd(buf, pos);
  read.valueEnd = close + 1;
  if (!read.hadEscape) return readUtf8(buf, pos + 1, close);
  const text = JSON.parse(buf.toString('utf8', pos, close + 1)) as string;
  return interned ? intern(text) : text;
}

/**
 * The valid scalar at `pos` as `JSON.parse` makes it (string, number, boolean or null), with
 * `valueEnd` past it; FALLBACK for an object or an array.
 */
export function readScalar(buf: Buffer, pos: number): string | number | boolean | null {
  const first = buf[pos]!;
  if (first === QUOTE) return readString(buf, pos);
  if (first === 0x74) {
    read.valueEnd = pos + 4;
    return true;
  }
  if (first === 0x66) {
    read.valueEnd = pos + 5;
    return false;
  }
  if (first === 0x6e) {
    read.valueEnd = pos + 4;
    return null;
  }
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) throw FALLBACK;
  const end = validNumber(buf, pos);
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
