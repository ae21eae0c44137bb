import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { BodyPool } from './body-pool';
import { appendGrowing } from './growing-buffer';
import { inflateBounded, type InflateResult } from './inflate-bounded';

export type ContentEncoding = 'identity' | 'gzip';

export type BodyResult =
  | {
      ok: true;
      body: Buffer;
      /** The pool's buffer `body` lies in, for the caller to give back once done with `body`. */
      pooled?: Buffer;
    }
  | { ok: false; problem: 'too-large' | 'bad-gzip' | 'aborted'; message: string };

// Output chunks bound how far past the limit one inflate step of a streamed body can go; 64 KiB
// rather than 16 KiB halves the CPU it costs to inflate (fewer steps through zlib and the stream).
const INFLATE_CHUNK_BYTES = 64 * 1024;
// A gzip body of at most this fraction of the limit is kept whole and inflated once it has all
// arrived (inflateBounded: an OTLP batch on this thread, at once, into one buffer), which costs
// far less CPU than a stream through zlib's thread pool. A larger one is streamed through gunzip
// as it arrives, so that a bomb stops being read soon after its output passes the limit.
const BUFFERED_GZIP_FRACTION = 64;

/**
 * Reads a request body into one buffer, never holding more than `maxBytes` (+ one chunk) of it.
 * The limit applies after decompression, as OTLP requires: a gzip bomb is stopped as soon as its
 * output passes the limit, and the compressed bytes count too, so neither side can grow without
 * bound. Compressed bytes are held besides the output only up to 1/64 of the limit (see
 * BUFFERED_GZIP_FRACTION). On `too-large` the source is left unread and paused, for the caller to
 * drain or drop. `pool`: for an uncompressed body, a kept buffer to read into (with a declared
 * length), and where the buffer it was read into may go back once the caller is done (`pooled`;
 * see BodyPool).
 */
export function readBody(
  source: Readable,
  encoding: ContentEncoding,
  maxBytes: number,
  /** The length the request declares (Content-Length), if any: the buffer grows no further
   * (see appendGrowing: nothing is allocated on its word before the bytes arrive). */
  declaredBytes?: number,
  pool?: BodyPool,
): Promise<BodyResult> {
  const gzip = encoding === 'gzip';
  const { capacityCap, bufferedGzipBytes, compressedCap } = capsOf(gzip, maxBytes, declaredBytes);
  const keptPool = gzip ? undefined : pool;
  const taken = takeKept(keptPool, declaredBytes, capacityCap);
  return new Promise<BodyResult>((resolve) => {
    // The body (identity), or the compressed bytes until they are inflated or streamed (gzip).
    let body: Buffer = taken ?? Buffer.alloc(0);
    let received = 0;
    let decoded = 0;
    let settled = false;
    let inflater: Gunzip | undefined;

    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      source.off('data', onSourceData);
      source.off('end', onSourceEnd);
      source.off('error', onSourceError);
      source.off('close', onSourceClose);
      stopInflater(source, inflater);
      if (!result.ok) {
        if (taken !== undefined) keptPool!.give(taken);
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
      const before = received;
      received += chunk.length;
      if (received > maxBytes) return tooLarge();
      if (!gzip) return onDecoded(chunk);
      if (inflater !== undefined) return;
      if (received <= bufferedGzipBytes) {
        body = appendGrowing(body, before, chunk, compressedCap, bufferedGzipBytes);
        return;
      }
      // Too large to keep whole: what arrived so far goes into gunzip, the rest is piped to it.
      const compressed = Buffer.concat([body.subarray(0, before), chunk]);
      body = Buffer.alloc(0);
      inflater = streamGunzip(onDecoded, finished, (text) => settle(badGzipResult(text)));
      inflater.write(compressed);
      source.pipe(inflater);
    };
    const finished = (): void => settle(whole(body, decoded, keptPool));
    const onSourceEnd = (): void => {
      if (!gzip) return finished();
      if (inflater !== undefined) return;
      inflateBounded('gzip', body.subarray(0, received), maxBytes, (result) =>
        settle(result.ok ? { ok: true, body: result.output } : inflateFailure(result, maxBytes)),
      );
    };
    const onSourceError = (error: Error): void =>
      settle({ ok: false, problem: 'aborted', message: error.message });
    // 'close' also follows a normal 'end' (gzip may still be inflating): only one before is early.
    const onSourceClose = (): void => {
      if (source.readableEnded) return;
      settle({ ok: false, problem: 'aborted', message: 'The client closed the request early.' });
    };
    source.on('data', onSourceData);
    source.on('end', onSourceEnd);
    source.on('error', onSourceError);
    source.on('close', onSourceClose);
  });
}

/**
 * The kept buffer of the declared length an uncompressed body reads into, when the pool has one:
 * the body is copied into it as it arrives, and nothing is allocated. Should more arrive than
 * declared (not over HTTP/1.1, whose framing is the declared length), appendGrowing moves to a
 * new buffer.
 */
function takeKept(
  keptPool: BodyPool | undefined,
  declaredBytes: number | undefined,
  capacityCap: number,
): Buffer | undefined {
  return declaredBytes === undefined ? undefined : keptPool?.take(capacityCap);
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

/** Stops piping into `inflater`, if any: destroying it stops zlib mid-stream (no more output). */
function stopInflater(source: Readable, inflater: Gunzip | undefined): void {
  if (inflater === undefined) return;
  source.unpipe(inflater);
  inflater.destroy();
}

/** A gunzip stream whose output goes to `onDecoded`; corrupt or truncated gzip to `onError`. */
function streamGunzip(
  onDecoded: (chunk: Buffer) => void,
  onEnd: () => void,
  onError: (message: string) => void,
): Gunzip {
  const inflater = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
  inflater.on('data', onDecoded);
  inflater.on('end', onEnd);
  // "unexpected end of file" and the like surface here.
  inflater.on('error', (error) => onError(error.message));
  return inflater;
}

/** How far the body's buffers may grow (see appendGrowing). */
function capsOf(
  gzip: boolean,
  maxBytes: number,
  declaredBytes: number | undefined,
): { capacityCap: number; bufferedGzipBytes: number; compressedCap: number } {
  // Most compressed bytes kept whole before the body is streamed through gunzip instead.
  const bufferedGzipBytes = Math.floor(maxBytes / BUFFERED_GZIP_FRACTION);
  // A declared length only sizes the buffer; it is no promise (see `appended`). It counts the
  // compressed bytes of a gzip body, so it caps only them.
  return {
    capacityCap: gzip ? maxBytes : Math.min(declaredBytes ?? maxBytes, maxBytes),
    bufferedGzipBytes,
    compressedCap: Math.min(declaredBytes ?? bufferedGzipBytes, bufferedGzipBytes),
  };
}

function inflateFailure(
  result: Extract<InflateResult, { ok: false }>,
  maxBytes: number,
): BodyResult {
  return result.tooLarge ? tooLargeResult(maxBytes, 'gzip') : badGzipResult(result.message);
}

function badGzipResult(message: string): BodyResult {
  const text = `The gzip body cannot be decompressed: ${message}`;
  return { ok: false, problem: 'bad-gzip', message: text };
}

function tooLargeResult(maxBytes: number, encoding: ContentEncoding): BodyResult {
  const after = encoding === 'gzip' ? ' (after decompression)' : '';
  return {
    ok: false,
    problem: 'too-large',
    message: `The request body exceeds the limit of ${maxBytes} bytes${after}.`,
  };
}
