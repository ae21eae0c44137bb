/**
 * Reading strings and values of the OTLP/JSON byte reader, validating as it goes: where a string
 * or any value ends, and a string's text, decoding escapes only when there are some. Bytes that
 * are not JSON throw FALLBACK (the caller then validates the whole value, `json-validate.ts`, and
 * takes the generic path).
 */
import { BACKSLASH, FALLBACK, NULL_BYTE, QUOTE } from './json-syntax';
import { validEscapeEnd, validValue } from './json-validate';
import { intern } from './json-values';
import { readUtf8 } from './utf8-cache';

/**
 * What the last reader call found besides its result: `valueEnd`, the position just past the
 * value read; `hadEscape`, whether the string `stringEnd` measured holds a backslash escape.
 */
export const read = { valueEnd: 0, hadEscape: false };

/**
 * The position of the closing quote of the string whose opening quote is at `pos`; FALLBACK if
 * it is not a valid JSON string (a control character, a bad escape, no end).
 */
export function stringEnd(buf: Uint8Array, pos: number): number {
  let at = pos + 1;
  read.hadEscape = false;
  for (;;) {
    const byte = buf[at]!;
    if (byte === QUOTE) return at;
    if (byte >= 0x20 && byte !== BACKSLASH) at += 1;
    else if (byte === BACKSLASH) {
      read.hadEscape = true;
      at = validEscapeEnd(buf, at);
      if (at < 0) throw FALLBACK;
    } else throw FALLBACK;
  }
}

/**
 * The end of the valid value at `pos` (a value the reader does not read: unknown fields, what
 * lies past the depth limit); FALLBACK if it is not valid JSON.
 */
export function skipValue(buf: Buffer, pos: number): number {
  const end = validValue(buf, pos, buf.length);
  if (end < 0) throw FALLBACK;
  return end;
}

/** Whether the 4 bytes at `at` are `null`. */
export function isNull(buf: Uint8Array, at: number): boolean {
  return (
    buf[at] === NULL_BYTE && buf[at + 1] === 0x75 && buf[at + 2] === 0x6c && buf[at + 3] === 0x6c
  );
}

/**
 * The string at `pos` (its opening quote), validated; `valueEnd` is set past its closing quote. Short
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

/** A string field (null: empty); any other type takes the slow path. `interned`: see readString. */
export function readText(buf: Buffer, at: number, interned = false): string {
  if (buf[at] === QUOTE) return readString(buf, at, interned);
  if (!isNull(buf, at)) throw FALLBACK;
  read.valueEnd = at + 4;
  return '';
}
