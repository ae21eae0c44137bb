/**
 * Reading strings of bytes already validated as JSON (see `json-validate.ts`): where a string or
 * any value ends, and a string's text, decoding escapes only when there are some.
 */
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COMMA,
  FALLBACK,
  NULL_BYTE,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  SPACE,
} from './json-syntax';
import { intern } from './json-values';
import { readUtf8 } from './utf8-cache';

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

/** A string field (null: empty); any other type takes the slow path. */
export function readText(buf: Buffer, at: number): string {
  if (buf[at] === QUOTE) return readString(buf, at);
  if (buf[at] !== NULL_BYTE) throw FALLBACK;
  read.valueEnd = at + 4;
  return '';
}
