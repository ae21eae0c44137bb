import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BodyPool } from './body-pool';
import { appendGrowing } from './growing-buffer';

export type ContentEncoding = 'identity' | 'gzip';

export type BodyResult =
  | {
      ok: true;
      body: Buffer;
      /** The pool's buffer `body` lies in, for the caller to give back once done with `body`. */
      pooled?: Buffer;
    }
  | { ok: false; problem: 'too-large' | 'bad-gzip' | 'aborted'; message: string };

// Output chunks bound how far past the limit one inflate step can go; 64 KiB rather than 16 KiB
// halves the CPU an OTLP batch costs to inflate (fewer steps through zlib and the stream).
const INFLATE_CHUNK_BYTES = 64 * 1024;
/**
 * Reads a request body into one buffer, never holding more than `maxBytes` (+ one chunk) of it.
 * The limit applies after decompression, as OTLP requires: a gzip bomb is stopped as soon as its
 * output passes the limit, and the compressed bytes count too, so neither side can grow without
 * bound. On `too-large` the source is left unread and paused, for the caller to drain or drop.
 */
export function readBody(
  source: Readable,
  encoding: ContentEncoding,
  maxBytes: number,
  /** The length the request declares (Content-Length), if any: the buffer grows no further
   * (see appendGrowing: nothing is allocated on its word before the bytes arrive). */
  declaredBytes?: number,
  /** For an uncompressed body: a kept buffer to read into (with a declared length), and where
   * the buffer it was read into may go back once the caller is done (`pooled`; see BodyPool). */
  pool?: BodyPool,
): Promise<BodyResult> {
  // A declared length only sizes the buffer; it is no promise (see `appended`).
  const capacityCap =
    encoding === 'identity' ? Math.min(declaredBytes ?? maxBytes, maxBytes) : maxBytes;
  // A kept buffer of the declared length at once, when the pool has one: the body is copied
  // into it as it arrives, and nothing is allocated. Should more arrive than declared (not over
  // HTTP/1.1, whose framing is the declared length), appendGrowing moves to a new buffer.
  const pooling = pool !== undefined && encoding === 'identity';
  const taken = pooling && declaredBytes !== undefined ? pool.take(capacityCap) : undefined;
  return readInto(source, encoding, maxBytes, capacityCap, pooling ? { pool, taken } : {});
}

/** readBody's reading, into `taken` (from `pool`) when there is one, else into grown buffers. */
function readInto(
  source: Readable,
  encoding: ContentEncoding,
  maxBytes: number,
  capacityCap: number,
  { pool, taken }: { pool?: BodyPool; taken?: Buffer },
): Promise<BodyResult> {
  return new Promise<BodyResult>((resolve) => {
    let body: Buffer = taken ?? Buffer.alloc(0);
    let received = 0;
    let decoded = 0;
    let settled = false;
    const inflater =
      encoding === 'gzip' ? createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }) : undefined;

    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      source.off('data', onSourceData);
      source.off('end', onSourceEnd);
      source.off('error', onSourceError);
      source.off('close', onSourceClose);
      if (inflater !== undefined) {
        source.unpipe(inflater);
        // Destroying the inflater stops zlib mid-stream: no further output is produced.
        inflater.destroy();
      }
      if (!result.ok) {
        if (taken !== undefined) pool!.give(taken);
        body = Buffer.alloc(0);
        source.pause();
      }
      resolve(result);
    };
    const tooLarge = (): void => settle(tooLargeResult(maxBytes, encoding));
    const onDecoded = (chunk: Buffer): void => {
      if (decoded + chunk.length > maxBytes) return tooLarge();
      body = appendGrowing(body, decoded, chunk, capacityCap, maxBytes);
      decoded += chunk.length;
    };
    const onSourceData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) return tooLarge();
      if (inflater === undefined) onDecoded(chunk);
    };
    const finished = (): void => settle(whole(body, decoded, pool));
    const onSourceEnd = (): void => {
      if (inflater === undefined) finished();
    };
    const onSourceError = (error: Error): void =>
      settle({ ok: false, problem: 'aborted', message: error.message });
    // 'close' also follows a normal 'end' (while gzip may still be inflating); only a close
    // before the end means the client went away mid-body.
    const onSourceClose = (): void => {
      if (source.readableEnded) return;
      settle({ ok: false, problem: 'aborted', message: 'The client closed the request early.' });
    };

    source.on('data', onSourceData);
    source.on('end', onSourceEnd);
    source.on('error', onSourceError);
    source.on('close', onSourceClose);
    if (inflater !== undefined) {
      inflater.on('data', onDecoded);
      inflater.on('end', finished);
      // Corrupt or truncated gzip ("unexpected end of file") surfaces here.
      inflater.on('error', (error) =>
        settle({
          ok: false,
          problem: 'bad-gzip',
          message: `The gzip body cannot be decompressed: ${error.message}`,
        }),
      );
      source.pipe(inflater);
    }
  });
}

/**
 * The body read: its first `length` bytes; with a pool, the buffer they lie in when the pool may
 * keep it (the kept one it was read into, or one grown for it), for the caller to give back.
 */
function whole(body: Buffer, length: number, pool: BodyPool | undefined): BodyResult {
  const read = body.subarray(0, length);
  return pool !== undefined && BodyPool.fits(body)
    ? { ok: true, body: read, pooled: body }
    : { ok: true, body: read };
}

function tooLargeResult(maxBytes: number, encoding: ContentEncoding): BodyResult {
  const after = encoding === 'gzip' ? ' (after decompression)' : '';
  return {
    ok: false,
    problem: 'too-large',
    message: `The request body exceeds the limit of ${maxBytes} bytes${after}.`,
  };
}
