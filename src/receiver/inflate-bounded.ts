import { gunzip, gunzipSync, inflate, type ZlibOptions } from 'node:zlib';

/** A compressed body or message, whole in memory: gzip (OTLP/HTTP, gRPC) or zlib (gRPC deflate). */
export type CompressedFormat = 'gzip' | 'deflate';

export type InflateResult =
  | { ok: true; output: Buffer }
  | { ok: false; tooLarge: true }
  | { ok: false; tooLarge: false; message: string };

// gzip outputs up to this size are inflated at once, on the calling thread: an OTLP batch
// (hundreds of KiB) costs well under a millisecond that way, while the thread pool's round trips
// and a stream's steps cost more than the inflating itself. Larger ones, and zlib (deflate)
// messages, which state no size, go to zlib's thread pool, so no turn of the event loop inflates
// more than this.
const SYNC_OUTPUT_BYTES = 1024 * 1024;
// Output chunks of one inflate step in the thread pool (fewer steps through zlib).
const ASYNC_CHUNK_BYTES = 64 * 1024;
// A gzip member ends with ISIZE, its uncompressed size mod 2^32 (RFC 1952); header and trailer
// take at least 18 bytes.
const GZIP_MIN_BYTES = 18;
// The least output chunk of an inflate on this thread. The stated size is the sender's word: a
// body whose last member states 0 after a first member of 1 MiB would otherwise be inflated in
// zlib's least chunks (64 bytes), about ten times the CPU of the same output in one buffer.
const SYNC_MIN_CHUNK_BYTES = 16 * 1024;

/**
 * Inflates `input`, never producing more than `maxBytes`: past it the result is `tooLarge`, as soon
 * as the output passes the limit (a small bomb costs no more than the limit's worth of inflating,
 * plus at most SYNC_OUTPUT_BYTES inflated on this thread first when its trailer lies).
 * When the size gzip's trailer states is at most SYNC_OUTPUT_BYTES, it is inflated here into one
 * buffer of that size (no chunks to join, no copy). The stated size is only a hint: zlib checks
 * each member's, but the trailer read is the last member's, and earlier members can make the
 * output larger; inflating on this thread stops at SYNC_OUTPUT_BYTES whatever it says, and what
 * does not fit is inflated again in the thread pool. `done` is called once, maybe before this
 * returns.
 */
export function inflateBounded(
  format: CompressedFormat,
  input: Buffer,
  maxBytes: number,
  done: (result: InflateResult) => void,
): void {
  const syncLimit = Math.min(maxBytes, SYNC_OUTPUT_BYTES);
  const stated = format === 'gzip' ? statedSize(input) : undefined;
  if (stated !== undefined && stated <= syncLimit) {
    const options = { chunkSize: syncChunkBytes(stated), maxOutputLength: syncLimit };
    let output: Buffer;
    try {
      output = gunzipSync(input, options);
    } catch (error) {
      // Larger than stated: inflated again below, with the whole limit, off this thread.
      if (!isTooLarge(error) || syncLimit === maxBytes) return done(failure(error));
      return inflateInPool(format, input, maxBytes, done);
    }
    return done({ ok: true, output });
  }
  inflateInPool(format, input, maxBytes, done);
}

/**
 * The output chunk for a gzip body that states `stated` bytes: one byte more than stated, so
 * that zlib ends within the first buffer and never allocates another, but never less than
 * SYNC_MIN_CHUNK_BYTES (see there).
 */
export function syncChunkBytes(stated: number): number {
  return Math.max(SYNC_MIN_CHUNK_BYTES, stated + 1);
}

/** Inflates in zlib's thread pool, stopping as soon as the output passes `maxBytes`. */
function inflateInPool(
  format: CompressedFormat,
  input: Buffer,
  maxBytes: number,
  done: (result: InflateResult) => void,
): void {
  const inflater = format === 'gzip' ? gunzip : inflate;
  const options: ZlibOptions = { chunkSize: ASYNC_CHUNK_BYTES, maxOutputLength: maxBytes };
  inflater(input, options, (error, output) => {
    done(error === null ? { ok: true, output } : failure(error));
  });
}

/** The uncompressed size a gzip member's trailer states, or undefined when there is no trailer. */
function statedSize(input: Buffer): number | undefined {
  if (input.length < GZIP_MIN_BYTES) return undefined;
  return input.readUInt32LE(input.length - 4);
}

function isTooLarge(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

function failure(error: unknown): InflateResult {
  if (isTooLarge(error)) return { ok: false, tooLarge: true };
  return { ok: false, tooLarge: false, message: (error as Error).message };
}
