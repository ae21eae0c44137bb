import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { BodyPool, POOLED_BODY_MAX_BYTES } from '../../src/receiver/body-pool';
import { appendGrowing } from '../../src/receiver/growing-buffer';
import { readBody } from '../../src/receiver/read-body';

/** An endless-looking stream of zeros that counts how much of it was ever pulled. */
function zeros(totalBytes: number): { stream: Readable; pulled: () => number } {
  const chunk = Buffer.alloc(64 * 1024);
  let pulled = 0;
  const stream = new Readable({
    read() {
      if (pulled >= totalBytes) return void this.push(null);
      pulled += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

describe('readBody: bounded, decompressing body reader', () => {
  test('identity and gzip bodies under the limit come back whole', async () => {
    const text = Buffer.from('{"resourceSpans":[]}');
    assert.deepEqual(await readBody(Readable.from([text]), 'identity', 1024), {
      ok: true,
      body: text,
    });
    assert.deepEqual(await readBody(Readable.from([gzipSync(text)]), 'gzip', 1024), {
      ok: true,
      body: text,
    });
  });

  test('with a pool, a body is read into a kept buffer, and its own buffer kept after', async () => {
    const pool = new BodyPool();
    const text = Buffer.from('x'.repeat(100_000));
    const pieces = [text.subarray(0, 30_000), text.subarray(30_000)];
    // Nothing kept yet: the body grows its own buffer, which the caller may give back.
    const first = await readBody(Readable.from(pieces), 'identity', 1 << 20, text.length, pool);
    assert.ok(first.ok && first.pooled !== undefined);
    assert.deepEqual(first.body, text);
    assert.equal(first.body.buffer, first.pooled.buffer);
    pool.give(first.pooled);
    assert.equal(pool.keptBytes, first.pooled.length);
    // The next body takes that buffer and reads as itself (only its own bytes).
    const next = await readBody(
      Readable.from([Buffer.from('short')]),
      'identity',
      1 << 20,
      5,
      pool,
    );
    assert.ok(next.ok && next.pooled === first.pooled);
    assert.equal(next.body.toString(), 'short');
    assert.equal(pool.keptBytes, 0);
    // Not for gzip, nor a body past what the pool keeps.
    const gzip = await readBody(Readable.from([gzipSync(text)]), 'gzip', 1 << 20, undefined, pool);
    assert.ok(gzip.ok && gzip.pooled === undefined);
    const large = Buffer.alloc(POOLED_BODY_MAX_BYTES + 1);
    const big = await readBody(Readable.from([large]), 'identity', 1 << 21, large.length, pool);
    assert.ok(big.ok && big.pooled === undefined);
    // A body longer than declared moves out of the kept buffer into one of its own.
    pool.give(next.pooled);
    const longer = await readBody(Readable.from([text, text]), 'identity', 1 << 20, 70_000, pool);
    assert.ok(longer.ok && longer.pooled !== next.pooled);
    assert.deepEqual(longer.body, Buffer.concat([text, text]));
  });

  test('with a pool, a refused body gives its kept buffer back at once', async () => {
    const pool = new BodyPool();
    pool.give(Buffer.allocUnsafeSlow(64 * 1024));
    const over = await readBody(Readable.from([Buffer.alloc(101)]), 'identity', 100, 100, pool);
    assert.equal(over.ok ? 'ok' : over.problem, 'too-large');
    assert.equal(pool.keptBytes, 64 * 1024);
  });

  test('the pool keeps only whole buffers of a size worth it, within its bound', () => {
    const pool = new BodyPool();
    pool.give(Buffer.allocUnsafe(100_000).subarray(1));
    pool.give(Buffer.allocUnsafeSlow(1000));
    pool.give(Buffer.allocUnsafeSlow(POOLED_BODY_MAX_BYTES + 1));
    assert.equal(pool.keptBytes, 0);
    for (let count = 0; count < 6; count += 1)
      pool.give(Buffer.allocUnsafeSlow(POOLED_BODY_MAX_BYTES));
    assert.equal(pool.keptBytes, 4 * POOLED_BODY_MAX_BYTES);
    assert.equal(pool.take(POOLED_BODY_MAX_BYTES + 1), undefined);
  });

  test('a body of exactly the limit passes; one byte more does not', async () => {
    const exact = await readBody(Readable.from([Buffer.alloc(100)]), 'identity', 100);
    assert.equal(exact.ok, true);
    const over = await readBody(Readable.from([Buffer.alloc(101)]), 'identity', 100);
    assert.deepEqual(over.ok ? 'ok' : over.problem, 'too-large');
  });

  test('a gzip bomb stops inflating right after the limit, long before its end', async () => {
    // 1 GiB of zeros, compressed on the fly: if readBody kept inflating it would pull all of it.
    const source = zeros(1024 * 1024 * 1024);
    const compressed = source.stream.pipe(createGzip({ level: 1 }));
    const limit = 1024 * 1024;
    const result = await readBody(compressed, 'gzip', limit);
    assert.equal(result.ok ? 'ok' : result.problem, 'too-large');
    // Compression and stream buffers pull some input ahead; far less than the whole gigabyte.
    assert.ok(source.pulled() < 64 * 1024 * 1024, `pulled ${source.pulled()} bytes of zeros`);
    compressed.destroy();
    source.stream.destroy();
  });

  test('gzip kept whole or streamed through gunzip, the body and the limit are the same', async () => {
    // Under 1/64 of the limit (16 KiB of 1 MiB) the compressed bytes are kept whole; past it,
    // what arrived is written to gunzip and the rest piped to it.
    let seed = 12;
    const noise = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) >>> 16;
    // Barely compressible: 10,000 bytes compress to under 16 KiB, 200,000 to far more.
    const whole = Buffer.from(Array.from({ length: 200_000 }, () => noise() & 0xff));
    assert.ok(gzipSync(whole).length > 64 * 1024);
    for (const body of [whole.subarray(0, 10_000), whole]) {
      const compressed = gzipSync(body);
      const pieces = Array.from({ length: Math.ceil(compressed.length / 1000) }, (_, index) =>
        compressed.subarray(index * 1000, (index + 1) * 1000),
      );
      const result = await readBody(Readable.from(pieces), 'gzip', 1 << 20, compressed.length);
      assert.deepEqual(result, { ok: true, body });
      const over = await readBody(Readable.from(pieces), 'gzip', body.length - 1);
      assert.equal(over.ok ? 'ok' : over.problem, 'too-large');
    }
    // A small body inflating past the limit, kept whole: too large, as when streamed.
    const bomb = gzipSync(Buffer.alloc(2 << 20));
    const result = await readBody(Readable.from([bomb]), 'gzip', 1 << 20);
    assert.equal(result.ok ? 'ok' : result.problem, 'too-large');
  });

  test('truncated gzip is bad-gzip', async () => {
    const whole = gzipSync(Buffer.alloc(10_000, 'a'));
    const result = await readBody(Readable.from([whole.subarray(0, 20)]), 'gzip', 1 << 20);
    assert.equal(result.ok ? 'ok' : result.problem, 'bad-gzip');
  });

  test('a source that errors mid-body is aborted', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('socket hang up'));
      },
    });
    const result = await readBody(source, 'identity', 1024);
    assert.equal(result.ok ? 'ok' : result.problem, 'aborted');
  });

  test('a body in many chunks comes back whole, whatever length it declares', async () => {
    const whole = Buffer.from(Array.from({ length: 300_000 }, (_, index) => index % 251));
    const chunks = () =>
      Readable.from(
        Array.from({ length: Math.ceil(whole.length / 7000) }, (_, index) =>
          whole.subarray(index * 7000, (index + 1) * 7000),
        ),
      );
    // Declared right, undeclared, declared too short or too long: the bytes decide.
    for (const declared of [whole.length, undefined, 1000, whole.length + 5000]) {
      const result = await readBody(chunks(), 'identity', 1 << 20, declared);
      assert.deepEqual(result, { ok: true, body: whole }, String(declared));
    }
    const gzipped = await readBody(Readable.from([gzipSync(whole)]), 'gzip', 1 << 20, 10);
    assert.deepEqual(gzipped, { ok: true, body: whole });
    const over = await readBody(chunks(), 'identity', whole.length - 1, whole.length);
    assert.equal(over.ok ? 'ok' : over.problem, 'too-large');
  });

  test('a declared length is not allocated before its bytes arrive', async () => {
    // 200 requests each declaring 1 MiB and sending 1 byte, then stalling (a slow or lying
    // client): the buffers grow with what arrived, not with what was declared.
    const streams = Array.from({ length: 200 }, () => new PassThrough());
    const before = process.memoryUsage().arrayBuffers;
    const reads = streams.map((stream) => readBody(stream, 'identity', 16 * 1024 * 1024, 1 << 20));
    for (const stream of streams) stream.write(Buffer.from('{'));
    await new Promise((resolve) => setImmediate(resolve));
    const held = process.memoryUsage().arrayBuffers - before;
    assert.ok(held < 64 * 1024 * 1024, `${Math.round(held / 1024 / 1024)} MiB held for 200 bytes`);
    for (const stream of streams) stream.end('}');
    for (const result of await Promise.all(reads)) {
      assert.deepEqual(result, { ok: true, body: Buffer.from('{}') });
    }
  });

  test('the buffer takes the declared length once a quarter of it arrived, not before', () => {
    const cap = 297 * 1024;
    const piece = Buffer.alloc(64 * 1024, 1);
    let body = appendGrowing(Buffer.alloc(0), 0, piece, cap, 16 << 20);
    assert.equal(body.length, 64 * 1024, 'a fifth of the cap: doubling from 64 KiB');
    body = appendGrowing(body, piece.length, piece, cap, 16 << 20);
    assert.equal(body.length, cap, 'past a quarter: the cap at once');
    assert.equal(
      appendGrowing(Buffer.alloc(0), 0, Buffer.from('{'), 1 << 20, 16 << 20).length,
      64 * 1024,
    );
  });
});
