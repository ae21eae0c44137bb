import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, mock, test } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { startReceiver, type Receiver } from '../../src/receiver';
import {
  BodyPool,
  POOLED_BODY_MAX_BYTES,
  POOLED_BODY_MIN_BYTES,
} from '../../src/receiver/body-pool';
import {
  JSON_HEADERS,
  PROTOBUF_HEADERS,
  decodeExportResponse,
  decodeStatus,
  jsonRequest,
  jsonSpan,
  protobufRequest,
  send,
  type HttpReply,
} from './helpers';

const LIMIT = 64 * 1024;

/** 1 GiB of zeros, gzip-compressed as it streams: the test never holds more than ~5 MB of it. */
async function gzipBomb(): Promise<Buffer> {
  const zeros = Buffer.alloc(1024 * 1024);
  let sent = 0;
  const source = new Readable({
    read() {
      this.push(sent++ < 1024 ? zeros : null);
    },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of source.pipe(createGzip({ level: 1 }))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function assertStatusReply(
  reply: HttpReply,
  status: number,
  contentType: string,
  messagePart: RegExp,
): void {
  assert.equal(reply.status, status, reply.body.toString());
  assert.equal(reply.headers['content-type'], contentType);
  assert.match(decodeStatus(reply).message ?? '', messagePart);
}

describe('OTLP/HTTP receiver: hostile and odd input', () => {
  // Two receivers: one with the default limit (16 MiB, for the gzip bomb), one with a small
  // limit so an over-limit plain body stays small.
  let receiver: Receiver;
  let small: Receiver;
  let serial = 0;

  before(async () => {
    receiver = await startReceiver({ httpPort: 0, grpcPort: 'disabled' });
    small = await startReceiver({ httpPort: 0, grpcPort: 'disabled', maxBodyBytes: LIMIT });
  });
  after(async () => {
    await Promise.all([receiver?.close(), small?.close()]);
  });

  /** After every hostile request the receiver must still take a valid export. */
  async function assertStillServing(target: Receiver = receiver): Promise<void> {
    serial += 1;
    const spanId = (0x1000 + serial).toString(16).padStart(16, '0');
    const reply = await send(`${target.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: jsonRequest('still-serving', [jsonSpan({ spanId })]),
    });
    assert.equal(reply.status, 200, reply.body.toString());
    assert.ok(target.spans().some((span) => span.spanId === spanId));
  }

  test('a body that is not protobuf: 400 with a protobuf google.rpc.Status', async () => {
    // Field 1, length-delimited, claiming far more bytes than follow.
    const body = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const reply = await send(`${receiver.httpUrl}/v1/traces`, { headers: PROTOBUF_HEADERS, body });
    assertStatusReply(
      reply,
      400,
      'application/x-protobuf',
      /not a protobuf ExportTraceServiceRequest/,
    );
    await assertStillServing();
  });

  test('an invalid wire type: 400', async () => {
    // Field 2 (unknown, so skipped) with wire type 7, which protobuf does not define.
    const body = Buffer.from([0x17, 0x00]);
    const reply = await send(`${receiver.httpUrl}/v1/traces`, { headers: PROTOBUF_HEADERS, body });
    assertStatusReply(reply, 400, 'application/x-protobuf', /wire type/);
    await assertStillServing();
  });

  test('a body that is not JSON: 400 with a JSON google.rpc.Status', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: '{"resourceSpans": [',
    });
    assertStatusReply(reply, 400, 'application/json', /not valid JSON/);
    await assertStillServing();
  });

  test('JSON of the wrong shape: 400 naming the field', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: jsonRequest('svc', [jsonSpan({ startTimeUnixNano: 'yesterday' })]),
    });
    assertStatusReply(
      reply,
      400,
      'application/json',
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.startTimeUnixNano/,
    );
    await assertStillServing();
  });

  test('an unknown content type: 415, answered in JSON', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    assertStatusReply(
      reply,
      415,
      'application/json',
      /application\/x-protobuf or application\/json/,
    );
    await assertStillServing();
  });

  test('an unsupported content encoding: 415', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: { ...PROTOBUF_HEADERS, 'content-encoding': 'br' },
      body: Buffer.from([1, 2, 3]),
    });
    assertStatusReply(reply, 415, 'application/x-protobuf', /Content-Encoding "br"/);
    await assertStillServing();
  });

  for (const method of ['GET', 'PUT', 'DELETE']) {
    test(`${method}: 405 with Allow: POST`, async () => {
      const reply = await send(`${receiver.httpUrl}/v1/traces`, { method });
      assertStatusReply(reply, 405, 'application/json', new RegExp(`Method ${method}`));
      assert.equal(reply.headers['allow'], 'POST');
      await assertStillServing();
    });
  }

  test('another path: 404', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/metrics`, {
      headers: PROTOBUF_HEADERS,
      body: protobufRequest('svc', []),
    });
    assertStatusReply(reply, 404, 'application/x-protobuf', /No OTLP endpoint at "\/v1\/metrics"/);
    await assertStillServing();
  });

  test('a plain body over the limit: 413, and the next export still works', async () => {
    const reply = await send(`${small.httpUrl}/v1/traces`, {
      headers: PROTOBUF_HEADERS,
      body: Buffer.alloc(LIMIT * 16, 0x0a),
    });
    assertStatusReply(reply, 413, 'application/x-protobuf', /exceeds the limit of 65536 bytes/);
    await assertStillServing(small);
  });

  test('a gzip bomb (1 GiB of zeros): 413, inflating stops at the limit', async () => {
    const bomb = await gzipBomb();
    const memoryBefore = process.memoryUsage().arrayBuffers;
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: { ...PROTOBUF_HEADERS, 'content-encoding': 'gzip' },
      body: bomb,
    });
    assertStatusReply(
      reply,
      413,
      'application/x-protobuf',
      /limit of 16777216 bytes \(after decompression\)/,
    );
    // Inflating all of it would have needed 1 GiB; a generous bound still tells the two apart.
    assert.ok(process.memoryUsage().arrayBuffers - memoryBefore < 256 * 1024 * 1024);
    await assertStillServing();
  });

  test('truncated gzip: 400', async () => {
    const whole = gzipSync(jsonRequest('svc', [jsonSpan()]));
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' },
      body: whole.subarray(0, whole.length - 10),
    });
    assertStatusReply(reply, 400, 'application/json', /cannot be decompressed/);
    await assertStillServing();
  });

  test('gzip that is not gzip at all: 400', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: { ...PROTOBUF_HEADERS, 'content-encoding': 'gzip' },
      body: protobufRequest('svc', [jsonSpan()]),
    });
    assertStatusReply(reply, 400, 'application/x-protobuf', /cannot be decompressed/);
    await assertStillServing();
  });

  test('a client that gives up mid-body does not disturb the receiver', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${receiver.httpUrl}/v1/traces`, {
        method: 'POST',
        headers: { ...PROTOBUF_HEADERS, 'content-length': '100000' },
        agent: false,
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(1000), () => {
        req.destroy();
        resolve();
      });
    });
    await assertStillServing();
  });

  test('all-zero and wrong-length ids: partial success with the rejected count', async () => {
    const good = 'aaaaaaaaaaaaaaaa';
    const spans = [
      jsonSpan({ spanId: good }),
      jsonSpan({ traceId: '0'.repeat(32), spanId: 'bbbbbbbbbbbbbbbb' }),
      jsonSpan({ spanId: '0'.repeat(16) }),
      jsonSpan({ traceId: 'abcd', spanId: 'cccccccccccccccc' }),
      jsonSpan({ spanId: 'dddd' }),
      jsonSpan({ spanId: 'eeeeeeeeeeeeeeee', parentSpanId: '1234' }),
      jsonSpan({ spanId: 'ffffffffffffffff', traceId: 'zz'.repeat(16) }),
    ];
    const before = receiver.stats();
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: jsonRequest('partial', spans),
    });
    assert.equal(reply.status, 200);
    const response = decodeExportResponse(reply);
    assert.equal(response.partialSuccess?.rejectedSpans, '6');
    assert.match(response.partialSuccess?.errorMessage ?? '', /6 spans were rejected/);
    assert.match(response.partialSuccess?.errorMessage ?? '', /trace id is all zeros/);
    assert.deepEqual(
      receiver
        .spans()
        .filter((span) => span.service === 'partial')
        .map((span) => span.spanId),
      [good],
    );
    assert.equal(receiver.stats().rejectedSpans - before.rejectedSpans, 6);
    assert.ok(receiver.rejectedSpans().some((span) => /parent span id "1234"/.test(span.reason)));
  });

  test('partial success in binary protobuf too', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: PROTOBUF_HEADERS,
      body: protobufRequest('partial-proto', [
        jsonSpan({ spanId: '0123456789abcdef' }),
        jsonSpan({ spanId: '0000000000000000' }),
        jsonSpan({ traceId: '00112233', spanId: '1123456789abcdef' }),
      ]),
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/x-protobuf');
    assert.equal(decodeExportResponse(reply).partialSuccess?.rejectedSpans, '2');
    assert.deepEqual(
      receiver
        .spans()
        .filter((span) => span.service === 'partial-proto')
        .map((span) => span.spanId),
      ['0123456789abcdef'],
    );
  });

  test('full success leaves partial_success unset', async () => {
    for (const [headers, body] of [
      [JSON_HEADERS, jsonRequest('full', [jsonSpan({ spanId: '2222222222222222' })])],
      [PROTOBUF_HEADERS, protobufRequest('full', [jsonSpan({ spanId: '3333333333333333' })])],
    ] as const) {
      const reply = await send(`${receiver.httpUrl}/v1/traces`, { headers, body });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], headers['content-type']);
      assert.deepEqual(decodeExportResponse(reply), {});
    }
  });

  test('upper-case hex ids are accepted and stored lower-case', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: jsonRequest('upper', [
        jsonSpan({
          traceId: 'ABCDEF0123456789ABCDEF0123456789',
          spanId: 'ABCDEF0123456789',
          parentSpanId: 'FEDCBA9876543210',
        }),
      ]),
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(decodeExportResponse(reply), {});
    const span = receiver.spans().find((record) => record.service === 'upper');
    assert.equal(span?.traceId, 'abcdef0123456789abcdef0123456789');
    assert.equal(span?.spanId, 'abcdef0123456789');
    assert.equal(span?.parentSpanId, 'fedcba9876543210');
  });

  test('JSON bodies read one after another into one kept buffer: nothing of an earlier one is read', async () => {
    // The server reads each JSON body into a buffer it keeps for the next (BodyPool). A body
    // cut one byte short of the one before would be whole again if its reader went past its
    // end into the earlier bytes still in the buffer: it must be refused.
    const spans = Array.from({ length: 300 }, (_, index) =>
      jsonSpan({ spanId: (0x5000 + index).toString(16).padStart(16, '0') }),
    );
    const whole = jsonRequest('kept-buffer', spans);
    const first = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: whole,
    });
    assert.equal(first.status, 200);
    const cut = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: whole.slice(0, -1),
    });
    assert.equal(cut.status, 400, cut.body.toString());
    // A shorter body after them is read as itself.
    const spanId = '5fffffffffffffff';
    const short = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: jsonRequest('kept-buffer-short', [jsonSpan({ spanId })]),
    });
    assert.equal(short.status, 200);
    const stored = receiver.spans().filter((span) => span.service.startsWith('kept-buffer'));
    assert.equal(stored.length, 301);
    assert.deepEqual(
      stored.filter((span) => span.service === 'kept-buffer-short').map((span) => span.spanId),
      [spanId],
    );
  });

  test('protobuf bodies are read into kept buffers too: what was stored survives the reuse', async () => {
    // The server reads uncompressed protobuf bodies, as JSON ones, into buffers it keeps for the
    // next (BodyPool). What a span keeps must be its own copy: a later body of the same length
    // and other bytes, read into the same buffer, must not change it.
    const body = (label: string) =>
      protobufRequest(
        `kept-proto-${label}`,
        Array.from({ length: 900 }, (_, index) =>
          jsonSpan({
            spanId: `${label === 'a' ? '6' : '7'}${index.toString(16).padStart(15, '0')}`,
            name: `${label}-name-${index}`,
            attributes: [
              { key: 'url.path', value: { stringValue: `/${label}/${index}`.padEnd(48, label) } },
            ],
          }),
        ),
      );
    const [first, second] = [body('a'), body('b')];
    assert.equal(first.length, second.length);
    assert.ok(first.length >= POOLED_BODY_MIN_BYTES && first.length <= POOLED_BODY_MAX_BYTES);
    let kept = 0;
    const original = BodyPool.prototype.take;
    const take = mock.method(BodyPool.prototype, 'take', function (this: BodyPool, length: number) {
      const buffer = original.call(this, length);
      if (buffer !== undefined) kept += 1;
      return buffer;
    });
    try {
      for (const each of [first, second, second.subarray(0, -1)]) {
        const reply = await send(`${receiver.httpUrl}/v1/traces`, {
          headers: PROTOBUF_HEADERS,
          body: each,
        });
        assert.equal(
          reply.status,
          each === first || each === second ? 200 : 400,
          reply.body.toString(),
        );
      }
    } finally {
      take.mock.restore();
    }
    // The second and the cut body were read into the buffer the first one was.
    assert.equal(kept, 2);
    const stored = receiver.spans().filter((span) => span.service === 'kept-proto-a');
    assert.equal(stored.length, 900);
    stored.forEach((span, index) => {
      assert.equal(span.spanId, `6${index.toString(16).padStart(15, '0')}`);
      assert.equal(span.name, `a-name-${index}`);
      assert.equal(span.attributes['url.path'], `/a/${index}`.padEnd(48, 'a'));
    });
  });

  test('64-bit times as strings or numbers, enums as numbers or names, flags as numbers', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      body: jsonRequest('times', [
        jsonSpan({
          spanId: '4444444444444444',
          startTimeUnixNano: '1700000000123456789',
          endTimeUnixNano: 1700000000500000000,
          kind: 'SPAN_KIND_CLIENT',
          flags: 0x100,
        }),
        jsonSpan({ spanId: '5555555555555555', kind: 0, flags: 0, parentSpanId: '' }),
      ]),
    });
    assert.equal(reply.status, 200, reply.body.toString());
    const [first, second] = receiver.spans().filter((span) => span.service === 'times');
    // The nearest double to 1700000000123.456789 ms.
    assert.equal(first?.startTimeMs, 1700000000123.4568);
    assert.equal(first?.endTimeMs, 1700000000500);
    assert.equal(first?.kind, 'client');
    assert.equal(first?.parentIsRemote, false);
    // UNSPECIFIED kind reads as internal; an empty parent id is a root.
    assert.equal(second?.kind, 'internal');
    assert.equal(second?.parentSpanId, undefined);
    assert.equal(second?.parentIsRemote, undefined);
  });

  test('an unknown enum name: 400', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: jsonRequest('svc', [jsonSpan({ kind: 'SPAN_KIND_SIDEWAYS' })]),
    });
    assertStatusReply(reply, 400, 'application/json', /kind: expected an integer or one of/);
    await assertStillServing();
  });

  test('a resent span is stored once and counted as a duplicate', async () => {
    const body = jsonRequest('dupes', [
      jsonSpan({ spanId: '6666666666666666', name: 'first' }),
      jsonSpan({ spanId: '6666666666666666', name: 'second copy in the same batch' }),
    ]);
    const before = receiver.stats();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const reply = await send(`${receiver.httpUrl}/v1/traces`, { headers: JSON_HEADERS, body });
      assert.equal(reply.status, 200);
      // A duplicate is not a rejection: the sender did nothing wrong by retrying.
      assert.deepEqual(decodeExportResponse(reply), {});
    }
    const stored = receiver.spans().filter((span) => span.service === 'dupes');
    assert.deepEqual(
      stored.map((span) => span.name),
      ['first'],
    );
    const after = receiver.stats();
    assert.equal(after.acceptedSpans - before.acceptedSpans, 1);
    assert.equal(after.duplicateSpans - before.duplicateSpans, 3);
  });

  test('POST / is an alias of /v1/traces, gzip and identity both work', async () => {
    for (const [encoding, body] of [
      ['gzip', gzipSync(protobufRequest('root-path', [jsonSpan({ spanId: '7777777777777777' })]))],
      ['identity', protobufRequest('root-path', [jsonSpan({ spanId: '8888888888888888' })])],
    ] as const) {
      const reply = await send(`${receiver.httpUrl}/`, {
        headers: { ...PROTOBUF_HEADERS, 'content-encoding': encoding },
        body,
      });
      assert.equal(reply.status, 200, `${encoding}: ${reply.body.toString()}`);
    }
    assert.deepEqual(
      receiver
        .spans()
        .filter((span) => span.service === 'root-path')
        .map((span) => span.spanId),
      ['7777777777777777', '8888888888888888'],
    );
  });

  test('an empty request is a success', async () => {
    for (const [headers, body] of [
      [JSON_HEADERS, '{}'],
      [PROTOBUF_HEADERS, Buffer.alloc(0)],
    ] as const) {
      const reply = await send(`${receiver.httpUrl}/v1/traces`, { headers, body });
      assert.equal(reply.status, 200);
    }
  });

  test('a span without service.name is attributed to unknown_service', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: JSON.stringify({
        resourceSpans: [{ scopeSpans: [{ spans: [jsonSpan({ spanId: '9999999999999999' })] }] }],
      }),
    });
    assert.equal(reply.status, 200);
    assert.equal(
      receiver.spans().find((span) => span.spanId === '9999999999999999')?.service,
      'unknown_service',
    );
  });
});
