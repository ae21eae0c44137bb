/**
 * Ids as lower-case hex, from their bytes. Trace and span ids are read for every span, so the two
 * usual lengths build their string in one `String.fromCharCode` call from a precomputed table:
 * a flat string, with no intermediate pieces and no native call per id.
 */
const DIGITS = '0123456789abcdef';
// CODES[2b] and CODES[2b + 1]: the char codes of byte b's two hex digits.
const CODES = new Uint8Array(512);
for (let byte = 0; byte < 256; byte += 1) {
  CODES[2 * byte] = DIGITS.charCodeAt(byte >> 4);
  CODES[2 * byte + 1] = DIGITS.charCodeAt(byte & 15);
}

/** The hex of `buf[start, end)`; empty for an absent id. */
export function hexId(buf: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length === 8) return hex8(buf, start);
  if (length === 16) return hex16(buf, start);
  let hex = '';
  for (let index = start; index < end; index += 1) {
    hex += String.fromCharCode(CODES[2 * buf[index]!]!, CODES[2 * buf[index]! + 1]!);
  }
  return hex;
}

function hex8(buf: Uint8Array, at: number): string {
  const c = CODES;
  const a = 2 * buf[at]!;
  const b = 2 * buf[at + 1]!;
  const d = 2 * buf[at + 2]!;
  const e = 2 * buf[at + 3]!;
  const f = 2 * buf[at + 4]!;
  const g = 2 * buf[at + 5]!;
  const h = 2 * buf[at + 6]!;
  const i = 2 * buf[at + 7]!;
  return String.fromCharCode(
    c[a]!,
    c[a + 1]!,
    c[b]!,
    c[b + 1]!,
    c[d]!,
    c[d + 1]!,
    c[e]!,
    c[e + 1]!,
    c[f]!,
    c[f + 1]!,
    c[g]!,
    c[g + 1]!,
    c[h]!,
    c[h + 1]!,
    c[i]!,
    c[i + 1]!,
  );
}

/**
 * A trace id's 32 digits in one call: a flat string, where `hex8() + hex8()` made a cons string
 * (three objects) that every comparison or hash of the id (the span store's trace column, the
 * verifier's grouping) had to flatten into a fourth.
 */
function hex16(buf: Uint8Array, at: number): string {
  const c = CODES;
  const code = (index: number, low: number): number => c[2 * buf[at + index]! + low]!;
  return String.fromCharCode(
    code(0, 0),
    code(0, 1),
    code(1, 0),
    code(1, 1),
    code(2, 0),
    code(2, 1),
    code(3, 0),
    code(3, 1),
    code(4, 0),
    code(4, 1),
    code(5, 0),
    code(5, 1),
    code(6, 0),
    code(6, 1),
    code(7, 0),
    code(7, 1),
    code(8, 0),
    code(8, 1),
    code(9, 0),
    code(9, 1),
    code(10, 0),
    code(10, 1),
    code(11, 0),
    code(11, 1),
    code(12, 0),
    code(12, 1),
    code(13, 0),
    code(13, 1),
    code(14, 0),
    code(14, 1),
    code(15, 0),
    code(15, 1),
  );
}

// Slots of a SpanIds table: a power of two, so a slot is the hash's low bits.
const SPAN_ID_SLOTS = 1024;

/**
 * The hex strings of the 8-byte span ids one request decoded, by their bytes: a span's parent is
 * usually another span of the same batch (a child names its parent before the parent's own span
 * arrives, as SDKs export in end order; siblings name the same parent), so the parent id and the
 * span id read as the same bytes share one string rather than each making its own. A stored span
 * then holds one id string fewer, which the collector need not copy or mark. A direct-mapped
 * table: a slot holds the last id hashed to it; a miss only makes the string, as without it.
 * Any other length is made afresh.
 */
export class SpanIds {
  private readonly halves = new Int32Array(2 * SPAN_ID_SLOTS);
  private readonly texts: string[] = new Array<string>(SPAN_ID_SLOTS).fill('');

  constructor(private readonly buf: Uint8Array) {}

  /** `hexId` of `buf[start, end)`, shared with the last id of the same bytes. */
  at(start: number, end: number): string {
    if (end - start !== 8) return hexId(this.buf, start, end);
    const buf = this.buf;
    const high =
      (buf[start]! << 24) | (buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]!;
    const low =
      (buf[start + 4]! << 24) | (buf[start + 5]! << 16) | (buf[start + 6]! << 8) | buf[start + 7]!;
    const slot =
      (Math.imul(high ^ Math.imul(low, 0x9e3779b1), 0x85ebca6b) >>> 22) & (SPAN_ID_SLOTS - 1);
    const texts = this.texts;
    const halves = this.halves;
    const text = texts[slot]!;
    // An empty text: the slot was never filled (every 8-byte id makes 16 digits).
    if (text !== '' && halves[2 * slot] === high && halves[2 * slot + 1] === low) return text;
    const made = hex8(buf, start);
    texts[slot] = made;
    halves[2 * slot] = high;
    halves[2 * slot + 1] = low;
    return made;
  }
}
