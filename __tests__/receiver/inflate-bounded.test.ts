// inflateBounded: gzip batches inflated at once on the calling thread when their trailer states a
// small size, anything else (and output past what the trailer said) in zlib's thread pool, the
// limit kept.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import {
  inflateBounded,
  syncChunkBytes,
  type InflateResult,
} from '../../src/receiver/inflate-bounded';

const MiB = 1024 * 1024;

function inflated(
  format: 'gzip' | 'deflate',
  input: Buffer,
  maxBytes: number,
): Promise<InflateResult> {
  return new Promise((resolve) => inflateBounded(format, input, maxBytes, resolve));
}

/** `gzip` with its trailer's ISIZE replaced. */
function stating(gzip: Buffer, size: number): Buffer {
  const copy = Buffer.from(gzip);
  copy.writeUInt32LE(size, copy.length - 4);
  return copy;
}

// Not all one byte, so that a wrong offset shows.
const text = (bytes: number): Buffer =>
  Buffer.from(Array.from({ length: bytes }, (_, index) => index % 251));

describe('inflateBounded', () => {
  test('a batch comes back whole, in a buffer of its own size', async () => {
    const body = text(200_000);
    const result = await inflated('gzip', gzipSync(body), 16 * MiB);
    assert.ok(result.ok);
    assert.deepEqual(result.output, body);
    // One buffer of the stated size (and the one byte more zlib needs to see the end).
    assert.equal(result.output.buffer.byteLength, body.length + 1);
  });

  test('a trailer stating a tiny size does not shrink the chunks zlib inflates in', () => {
    // A first member of 1 MiB, then an empty one whose trailer states 0: zlib's least chunk (64
    // bytes) would inflate that MiB in 16,384 steps on the event loop.
    assert.equal(syncChunkBytes(0), 16 * 1024);
    assert.equal(syncChunkBytes(20), 16 * 1024);
    assert.equal(syncChunkBytes(300_000), 300_001);
  });

  test('an output of exactly the limit passes; one byte more is too large', async () => {
    const body = text(4096);
    assert.equal((await inflated('gzip', gzipSync(body), 4096)).ok, true);
    assert.deepEqual(await inflated('gzip', gzipSync(body), 4095), { ok: false, tooLarge: true });
  });

  test('a trailer that lies about the size is corrupt gzip (zlib checks it)', async () => {
    const gzip = gzipSync(text(10_000));
    for (const size of [100, 900_000]) {
      assert.deepEqual(await inflated('gzip', stating(gzip, size), 16 * MiB), {
        ok: false,
        tooLarge: false,
        message: 'incorrect length check',
      });
    }
  });

  test('a last member stating less than the whole output: still whole, or too large', async () => {
    // The trailer read is the last member's: a large member before a small one passes the
    // calling thread's share, and is inflated again in the thread pool, the limit kept.
    const [large, small] = [text(3 * MiB), Buffer.from('and the rest')];
    const members = Buffer.concat([gzipSync(large), gzipSync(small)]);
    const whole = await inflated('gzip', members, 16 * MiB);
    assert.ok(whole.ok);
    assert.deepEqual(whole.output, Buffer.concat([large, small]));
    assert.deepEqual(await inflated('gzip', members, 2 * MiB), { ok: false, tooLarge: true });
    // Under the calling thread's share, the limit itself decides.
    assert.deepEqual(await inflated('gzip', members, MiB / 2), { ok: false, tooLarge: true });
  });

  test('two gzip members are one body, as gunzip reads them', async () => {
    const [first, second] = [text(70_000), Buffer.from('and the rest')];
    const result = await inflated('gzip', Buffer.concat([gzipSync(first), gzipSync(second)]), MiB);
    assert.ok(result.ok);
    assert.deepEqual(result.output, Buffer.concat([first, second]));
  });

  test('deflate (zlib) comes back whole, and is bounded', async () => {
    const body = text(300_000);
    const result = await inflated('deflate', deflateSync(body), MiB);
    assert.ok(result.ok);
    assert.deepEqual(result.output, body);
    assert.deepEqual(await inflated('deflate', deflateSync(body), 1000), {
      ok: false,
      tooLarge: true,
    });
  });

  test('truncated or corrupt input says why', async () => {
    const whole = gzipSync(text(10_000));
    assert.deepEqual(await inflated('gzip', whole.subarray(0, whole.length - 30), MiB), {
      ok: false,
      tooLarge: false,
      message: 'unexpected end of file',
    });
    assert.deepEqual(await inflated('gzip', Buffer.from('not gzip at all, no'), MiB), {
      ok: false,
      tooLarge: false,
      message: 'incorrect header check',
    });
    assert.deepEqual(await inflated('gzip', Buffer.alloc(0), MiB), {
      ok: false,
      tooLarge: false,
      message: 'unexpected end of file',
    });
  });
});
