// Review of s20-ingest: uncompressed OTLP/HTTP protobuf bodies are read into buffers the server
// keeps and reuses (BodyPool). Safe only if nothing stored keeps a view into a body after its
// request. Bodies here are built to reveal a reuse: many of exactly the same length and layout
// whose bytes all differ at the same offsets (ids, names, keys, every AnyValue type incl. bytes,
// arrays, kvlists, long and non-ASCII strings, runs of attributes shared with the previous span),
// sent one after another and several at once, with bodies refused mid-decode (400, after earlier
// slices were stored) and requests aborted mid-body in between. What the pooled receiver stores
// must equal what a receiver given each body gzip-compressed (never read into a kept buffer)
// stores.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, mock, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startReceiver, type Receiver } from '../../src/receiver';
import {
  BodyPool,
  POOLED_BODY_MAX_BYTES,
  POOLED_BODY_MIN_BYTES,
} from '../../src/receiver/body-pool';
import { ExportTraceServiceRequest } from '../../src/receiver/otlp-schema';
import type { SpanRecord } from '../../src/verify/types';
import { IO_TIMEOUT_MS, PROTOBUF_HEADERS, send } from './helpers';
import { seededRandom } from '../helpers/seeded-random';

// More than one decoding slice (512 spans), so a body refused in its last span stored some.
const SPANS_PER_BODY = 600;

/**
 * One body: every body has the same layout and length (strings of fixed byte lengths, ints of a
 * fixed varint width), so a later body lies over an earlier one byte for byte at the same offsets.
 */
function body(seed: number, service: string): Buffer {
  const random = seededRandom(seed).random;
  const letters = (n: number): string =>
    Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
  // Two-byte UTF-8 characters: the decoder's non-ASCII path, the same byte length each time.
  const accented = (n: number): string =>
    Array.from({ length: n }, () => String.fromCharCode(0xe0 + Math.floor(random() * 16))).join('');
  const bytes = (n: number): Buffer =>
    Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  // [2^35, 2^42): always a 6-byte varint.
  const int = (): number => 2 ** 35 + Math.floor(random() * (2 ** 42 - 2 ** 35));
  const attributes = (): Record<string, unknown>[] => [
    { key: `k${letters(7)}`, value: { stringValue: letters(12) } },
    { key: 'http.request.method', value: { stringValue: letters(4).toUpperCase() } },
    { key: 'server.port', value: { intValue: int() } },
    { key: `d${letters(5)}`, value: { doubleValue: random() * 1e6 } },
    { key: `b${letters(5)}`, value: { boolValue: true } },
    { key: `y${letters(5)}`, value: { bytesValue: bytes(24) } },
    {
      key: `a${letters(5)}`,
      value: {
        arrayValue: {
          values: [
            { stringValue: letters(6) },
            { intValue: int() },
            { arrayValue: { values: [{ stringValue: letters(3) }] } },
          ],
        },
      },
    },
    {
      key: `l${letters(5)}`,
      value: {
        kvlistValue: {
          values: [
            { key: letters(4), value: { stringValue: accented(5) } },
            { key: letters(4), value: { bytesValue: bytes(8) } },
          ],
        },
      },
    },
    { key: `u${letters(5)}`, value: { stringValue: accented(20) } },
    { key: `g${letters(5)}`, value: { stringValue: letters(90) } },
  ];
  const traceId = bytes(16);
  // Two bytes a character past the first, so every name is 15 bytes long.
  const names = [`GET /${letters(10)}`, `${accented(3)} ${letters(8)}`];
  let previous = attributes();
  let previousId = bytes(8);
  const spans = Array.from({ length: SPANS_PER_BODY }, () => {
    const spanId = bytes(8);
    const parentSpanId = random() < 0.5 ? previousId : bytes(8);
    previousId = spanId;
    // Half the spans carry the previous span's attributes byte for byte (a shared record).
    const own = random() < 0.5 ? previous : attributes();
    previous = own;
    return {
      traceId: random() < 0.8 ? traceId : bytes(16),
      // Some spans name the previous one as parent (the decoder shares their id strings).
      spanId,
      parentSpanId,
      // Runs of one name (as in real batches), names of the body's own.
      name: names[Math.floor(random() * names.length)],
      kind: 2,
      flags: 0x301,
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(Math.floor(random() * 1e12)),
      endTimeUnixNano: 1_700_000_001_000_000_000n + BigInt(Math.floor(random() * 1e12)),
      attributes: own,
    };
  });
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });
  return Buffer.from(ExportTraceServiceRequest.encode(message).finish());
}

/**
 * A body refused mid-decode: its last field, the last span's flags (tag 16, fixed32), becomes a
 * length-delimited field running past its message, so the slices before it were decoded (and
 * stored) from the body's bytes before the 400.
 */
function refused(seed: number, service: string): Buffer {
  const cut = Buffer.from(body(seed, service));
  const at = cut.length - 6;
  assert.deepEqual([...cut.subarray(at, at + 2)], [(16 << 3) | 5, 0x01]);
  cut[at] = (16 << 3) | 2;
  cut[at + 2] = 0x7f;
  return cut;
}

/** Sends `length` declared bytes but only half of them, then drops the connection. */
function aborted(bytes: Buffer, url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/traces`, {
      method: 'POST',
      headers: { ...PROTOBUF_HEADERS, 'content-length': String(bytes.length) },
      agent: false,
      signal: AbortSignal.timeout(IO_TIMEOUT_MS),
    });
    req.on('error', () => resolve());
    req.write(bytes.subarray(0, bytes.length >> 1), () => {
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 20);
    });
  });
}

/** What a span stored says, for comparison (ids, times, name, kind, flags, every attribute). */
function plain(spans: readonly SpanRecord[]): string[] {
  return spans.map((span) => JSON.stringify(span));
}

describe('OTLP/HTTP protobuf bodies in kept buffers: stored spans equal a fresh decode', () => {
  let pooled: Receiver;
  let reference: Receiver;
  before(async () => {
    pooled = await startReceiver({ httpPort: 0, grpcPort: 'disabled' });
    reference = await startReceiver({ httpPort: 0, grpcPort: 'disabled' });
  });
  after(async () => {
    await pooled.close();
    await reference.close();
  });

  test('bodies of one length, sequential and concurrent, with 400s and aborts between', async () => {
    const valid = Array.from({ length: 24 }, (_, index) => ({
      service: `pool-${String(index).padStart(2, '0')}`,
      bytes: body(1000 + index, `pool-${String(index).padStart(2, '0')}`),
      status: 200,
    }));
    const bad = Array.from({ length: 4 }, (_, index) => ({
      service: `bad-${index}`,
      bytes: refused(2000 + index, `bad-${index}`),
      status: 400,
    }));
    const lengths = new Set(valid.map((each) => each.bytes.length));
    assert.equal(lengths.size, 1, 'every valid body has the same length');
    const [length] = lengths;
    assert.ok(length! >= POOLED_BODY_MIN_BYTES && length! <= POOLED_BODY_MAX_BYTES, `${length}`);

    let kept = 0;
    const original = BodyPool.prototype.take;
    const take = mock.method(BodyPool.prototype, 'take', function (this: BodyPool, n: number) {
      const buffer = original.call(this, n);
      if (buffer !== undefined) kept += 1;
      return buffer;
    });
    try {
      const post = async (each: { bytes: Buffer; status: number }) => {
        const reply = await send(`${pooled.httpUrl}/v1/traces`, {
          headers: PROTOBUF_HEADERS,
          body: each.bytes,
        });
        assert.equal(reply.status, each.status, reply.body.toString());
      };
      // Sequential: each body read into the buffer the one before was.
      for (const each of valid.slice(0, 8)) await post(each);
      // A refused body and an aborted one, then more of the same length.
      await post(bad[0]!);
      await aborted(valid[8]!.bytes, pooled.httpUrl);
      for (const each of valid.slice(8, 12)) await post(each);
      // Several at once (each its own buffer), refused ones and aborts among them.
      await Promise.all([
        ...valid.slice(12, 18).map(post),
        post(bad[1]!),
        aborted(valid[0]!.bytes, pooled.httpUrl),
        post(bad[2]!),
      ]);
      await Promise.all([...valid.slice(18).map(post), post(bad[3]!)]);
    } finally {
      take.mock.restore();
    }
    assert.ok(kept >= 8, `bodies read into kept buffers: ${kept}`);

    // The reference: the same bodies gzip-compressed (never read into a kept buffer), one by one.
    for (const each of [...valid, ...bad]) {
      const reply = await send(`${reference.httpUrl}/v1/traces`, {
        headers: { ...PROTOBUF_HEADERS, 'content-encoding': 'gzip' },
        body: gzipSync(each.bytes),
      });
      assert.equal(reply.status, each.status, reply.body.toString());
    }

    const byService = (receiver: Receiver, service: string) =>
      plain(receiver.spans().filter((span) => span.service === service));
    let compared = 0;
    for (const { service } of [...valid, ...bad]) {
      const expected = byService(reference, service);
      assert.ok(expected.length > 0, service);
      assert.deepEqual(byService(pooled, service), expected, service);
      compared += expected.length;
    }
    assert.ok(compared >= valid.length * SPANS_PER_BODY, `${compared}`);
    assert.equal(pooled.spans().length, reference.spans().length);
  });
});
