/**
 * Strings read from protobuf: attribute keys and most values repeat from span to span
 * (`http.request.method`, `GET`, `127.0.0.1`), so short ASCII strings are looked up in a small
 * table by a hash of their bytes and shared, instead of each being decoded anew by a native call
 * and kept as its own copy. A miss, a long or a non-ASCII string is decoded as usual.
 */
const SLOTS = 4096;
// Longer strings rarely repeat byte for byte, and hashing them would cost more than it saves.
const MAX_CACHED_BYTES = 64;
const table: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

/** UTF-8 `buf[start, end)` as a string, shared with earlier reads of the same bytes. */
export function readUtf8(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return '';
  if (length > MAX_CACHED_BYTES) return buf.toString('utf8', start, end);
  let hash = length;
  for (let index = start; index < end; index += 1) {
    const byte = buf[index]!;
    if (byte >= 0x80) return buf.toString('utf8', start, end);
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  const slot = (hash >>> 0) % SLOTS;
  const cached = table[slot];
  if (cached !== undefined && cached.length === length && sameAscii(cached, buf, start)) {
    return cached;
  }
  const text = buf.toString('latin1', start, end);
  table[slot] = text;
  return text;
}

function sameAscii(text: string, buf: Buffer, start: number): boolean {
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) !== buf[start + index]) return false;
  }
  return true;
}
