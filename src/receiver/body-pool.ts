/**
 * Buffers of finished OTLP/HTTP request bodies (JSON and protobuf, uncompressed), kept for the
 * next requests. A batch's body is a hundred KiB or more; allocating each one afresh costs page
 * faults on first touch and, as memory outside the JavaScript heap, drives the collector to full
 * collections (which mark everything the receiver stores) about once every 25 MiB of bodies. A server reading one body after
 * another needs only a few buffers at a time, so a few are kept and refilled.
 *
 * The pool never allocates: it keeps buffers the body reader grew anyway (see readBody), so a
 * declared length still allocates nothing before the bytes arrive. A buffer is given back only
 * once nothing made while decoding it can still read it: the JSON and protobuf readers copy every
 * string they keep out of the body (no view into it survives the request).
 */

/** Buffers smaller than this are not worth keeping; larger than the next, they are not kept. */
export const POOLED_BODY_MIN_BYTES = 64 * 1024;
export const POOLED_BODY_MAX_BYTES = 1024 * 1024;
/** All buffers kept, at most: a few requests in flight at once, as exporters send them. */
const POOL_MAX_BYTES = 4 * POOLED_BODY_MAX_BYTES;

export class BodyPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;

  /** The smallest kept buffer of at least `length` bytes (contents undefined), if any. */
  take(length: number): Buffer | undefined {
    let best = -1;
    for (let index = 0; index < this.free.length; index += 1) {
      const size = this.free[index]!.length;
      if (size >= length && (best < 0 || size < this.free[best]!.length)) best = index;
    }
    if (best < 0) return undefined;
    return this.remove(best);
  }

  /**
   * Whether `buffer` may be kept: a whole allocation of its own (not a slice of Node's shared
   * pool, nor a view into a larger buffer), of a size worth keeping.
   */
  static fits(buffer: Buffer): boolean {
    return (
      buffer.byteOffset === 0 &&
      buffer.buffer.byteLength === buffer.length &&
      buffer.length >= POOLED_BODY_MIN_BYTES &&
      buffer.length <= POOLED_BODY_MAX_BYTES
    );
  }

  /**
   * Keeps `buffer` (one that `fits`) for later; when the pool is full, in place of smaller ones
   * (bodies that grow are then still served), else not at all.
   */
  give(buffer: Buffer): void {
    if (!BodyPool.fits(buffer) || this.free.includes(buffer)) return;
    while (this.freeBytes + buffer.length > POOL_MAX_BYTES) {
      let smallest = -1;
      for (let index = 0; index < this.free.length; index += 1) {
        if (smallest < 0 || this.free[index]!.length < this.free[smallest]!.length)
          smallest = index;
      }
      if (smallest < 0 || this.free[smallest]!.length >= buffer.length) return;
      this.remove(smallest);
    }
    this.free.push(buffer);
    this.freeBytes += buffer.length;
  }

  /** Bytes kept, for tests. */
  get keptBytes(): number {
    return this.freeBytes;
  }

  private remove(index: number): Buffer {
    const buffer = this.free[index]!;
    this.free[index] = this.free[this.free.length - 1]!;
    this.free.pop();
    this.freeBytes -= buffer.length;
    return buffer;
  }
}
