/**
 * A body or message received in pieces is copied into one buffer as the pieces arrive, which
 * doubles from FIRST_CAPACITY up to a cap: one Buffer object per request rather than one per
 * piece (a sender splitting 16 MiB into one-byte frames made the gRPC reader keep 16 million
 * of them, gigabytes of heap), and the copying is spread over the pieces instead of one copy of
 * the whole body after the last. A length the sender declares only caps the growth: nothing is
 * allocated on its word before the bytes arrive.
 */
const FIRST_CAPACITY = 64 * 1024;

/**
 * `chunk` copied into `body` after its first `used` bytes: into `body` itself when it has room,
 * else into a new buffer twice as large (at first FIRST_CAPACITY, at most `cap`; past a `cap` that
 * was a wrong declared length, at most `maxBytes`), or of the cap itself once the bytes are a
 * quarter of it, which is returned.
 */
export function appendGrowing(
  body: Buffer,
  used: number,
  chunk: Buffer,
  cap: number,
  maxBytes: number,
): Buffer {
  const needed = used + chunk.length;
  if (needed > body.length) {
    const limit = needed > cap ? maxBytes : cap;
    // Within a quarter of the cap, the cap at once: one buffer fewer to fill and copy (each
    // fresh one is zeroed pages to the kernel), and still at most 4x what arrived is held.
    const doubled = 4 * needed >= limit ? limit : Math.max(FIRST_CAPACITY, 2 * body.length);
    const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(doubled, limit)));
    body.copy(grown, 0, 0, used);
    body = grown;
  }
  chunk.copy(body, used);
  return body;
}
