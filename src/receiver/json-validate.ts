/**
 * The validating scan of the OTLP/JSON reader: exactly JSON's grammar (RFC 8259), -1 where the
 * bytes are not JSON; iterative, so no nesting depth can exhaust the stack.
 */
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  DOT,
  MINUS,
  NINE,
  OPEN_ARRAY,
  OPEN_OBJECT,
  PLUS,
  QUOTE,
  ZERO,
  bytesAre,
  skipSpace,
} from './json-syntax';

// 1 for the bytes that end a run of plain string content: '"', '\' and the control characters.
const STRING_STOP = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte += 1) STRING_STOP[byte] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;
// 1 for the characters that may follow '\' (other than 'u').
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const char of '"\\/bfnrt') SIMPLE_ESCAPE[char.charCodeAt(0)] = 1;
// 1 for hexadecimal digits.
const HEX = new Uint8Array(256);
for (const char of '0123456789abcdefABCDEF') HEX[char.charCodeAt(0)] = 1;

/** The end of the valid string starting at `pos` (its opening quote), or -1. */
export function validString(buf: Uint8Array, pos: number, end: number): number {
  let at = pos + 1;
  for (;;) {
    while (at < end && STRING_STOP[buf[at]!] === 0) at += 1;
    if (at >= end) return -1;
    const byte = buf[at]!;
    if (byte === QUOTE) return at + 1;
    if (byte !== BACKSLASH) return -1;
    at = validEscapeEnd(buf, at);
    if (at < 0) return -1;
  }
}

/** The end of the valid escape at `pos` (its backslash), or -1. */
export function validEscapeEnd(buf: Uint8Array, pos: number): number {
  const escaped = buf[pos + 1]!;
  if (SIMPLE_ESCAPE[escaped] === 1) return pos + 2;
  if (
    escaped === 0x75 &&
    HEX[buf[pos + 2]!] === 1 &&
    HEX[buf[pos + 3]!] === 1 &&
    HEX[buf[pos + 4]!] === 1 &&
    HEX[buf[pos + 5]!] === 1
  )
    return pos + 6;
  return -1;
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
