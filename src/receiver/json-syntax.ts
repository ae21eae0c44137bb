/**
 * Byte-level JSON for the OTLP/JSON reader, shared by its parts: the bytes of JSON's grammar
 * (RFC 8259), whitespace, name matching, and the FALLBACK signal. The validating scan is in
 * `json-validate.ts`; the readers of bytes already validated, which make strings and numbers only
 * for the values asked for, are in `json-read-string.ts` and `json-read-number.ts`. Nothing here
 * builds objects or arrays.
 */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const MINUS = 0x2d;
export const PLUS = 0x2b;
export const DOT = 0x2e;
export const ZERO = 0x30;
export const NINE = 0x39;
export const NULL_BYTE = 0x6e; // 'n', the first byte of null

/**
 * Thrown where the fast reader meets anything it does not handle itself (a wrong type, a
 * duplicate key, an escaped key, invalid JSON): the caller then takes the exact slow path
 * (`JSON.parse` and the generic conversion), which accepts or refuses with the usual message.
 */
export const FALLBACK: unique symbol = Symbol('json-fallback');

// 1 for JSON's whitespace.
export const SPACE = new Uint8Array(256);
for (const byte of [0x20, 0x09, 0x0a, 0x0d]) SPACE[byte] = 1;

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
