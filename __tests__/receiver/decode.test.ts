import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonSourceNow } from '../../src/receiver/decode-json';
import {
  newIndex,
  protobufSource,
  protobufSourceYielding,
  scanProtobuf,
} from '../../src/receiver/decode-protobuf';
import type { SpanSource } from '../../src/receiver/ingest';
import { DecodeError } from '../../src/receiver/internal-types';
import { decimalNanosToMillis } from '../../src/receiver/json-values';
import { SpanBatch } from '../../src/receiver/span-batch';
import { ExportTraceServiceRequest } from '../../src/receiver/otlp-schema';
import { jsonRequest, jsonSpan, protobufRequest, TRACE_ID } from './helpers';

const ATTRIBUTES = [
  { key: 'str', value: { stringValue: 'v' } },
  { key: 'int', value: { intValue: '42' } },
  { key: 'big', value: { intValue: '9007199254740993' } },
  { key: 'dbl', value: { doubleValue: 1.5 } },
  { key: 'bool', value: { boolValue: true } },
  {
    key: 'arr',
    value: {
      arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }, { boolValue: false }] },
    },
  },
  { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'x' } }] } } },
  { key: 'bytes', value: { bytesValue: 'AQID' } },
  { key: 'empty', value: {} },
];

const FLATTENED = {
  str: 'v',
  int: 42,
  big: '9007199254740993',
  dbl: 1.5,
  bool: true,
  arr: 'a,2,false',
  kv: '{"k":"x"}',
  bytes: 'AQID',
};

/** Every span of a source, decoded at once (the receiver does it in slices). */
function decodeAll(source: SpanSource): SpanBatch {
  const batch = new SpanBatch(source.idsAreHex);
  source.decode(0, source.count, batch);
  return batch;
}

function fromJson(service: string, spans: Record<string, unknown>[]): SpanBatch {
  return decodeAll(jsonSourceNow(Buffer.from(jsonRequest(service, spans))));
}

function fromProtobuf(service: string, spans: Record<string, unknown>[]): SpanBatch {
  return decodeAll(protobufSource(protobufRequest(service, spans)));
}

/** The same span through both decoders, which must agree. */
function both(overrides: Record<string, unknown>): SpanBatch {
  const json = fromJson('svc', [jsonSpan(overrides)]);
  const protobuf = fromProtobuf('svc', [jsonSpan(overrides)]);
  assert.deepEqual(
    { spans: protobuf.spans, rejected: protobuf.rejected },
    { spans: json.spans, rejected: json.rejected },
    JSON.stringify(overrides),
  );
  return json;
}

describe('decoding OTLP: protobuf and JSON agree', () => {
  test('the same request in both encodings decodes to the same span records', () => {
    const batch = both({ attributes: ATTRIBUTES });
    assert.deepEqual(batch.spans[0]?.attributes, FLATTENED);
  });

  test('JSON: unknown fields are ignored, null means default', () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: null,
          futureField: { anything: [1, 2] },
          scopeSpans: [{ spans: [{ ...jsonSpan(), links: null, someNewField: 'x', flags: null }] }],
        },
      ],
    });
    const [record] = decodeAll(jsonSourceNow(Buffer.from(body))).spans;
    assert.equal(record?.service, 'unknown_service');
    assert.equal(record?.parentIsRemote, undefined);
  });

  test('JSON: values of the wrong type are DecodeErrors that name the field', () => {
    for (const [override, path] of [
      [{ name: 7 }, /spans\[0\]\.name: expected a string/],
      [{ flags: -1 }, /spans\[0\]\.flags: expected an unsigned 32-bit integer/],
      [{ endTimeUnixNano: '-5' }, /endTimeUnixNano: expected an unsigned 64-bit integer/],
      [{ startTimeUnixNano: 1.5 }, /startTimeUnixNano: expected an integer or a decimal string/],
      [{ attributes: {} }, /spans\[0\]\.attributes: expected an array/],
      [{ traceId: 12 }, /traceId: expected a string/],
      [{ endTimeUnixNano: '18446744073709551616' }, /endTimeUnixNano: expected an unsigned 64/],
      [{ startTimeUnixNano: 1e20 }, /startTimeUnixNano: expected an unsigned 64-bit integer/],
      [
        { attributes: [{ key: 'a', value: { arrayValue: { values: [{ intValue: 'x' }] } } }] },
        /spans\[0\]\.attributes\[0\]\.value\.arrayValue\.values\[0\]\.intValue: expected an integer/,
      ],
    ] as const) {
      assert.throws(
        () => fromJson('svc', [jsonSpan(override)]),
        (error) => error instanceof DecodeError && path.test(error.message),
        JSON.stringify(override),
      );
    }
    assert.throws(() => jsonSourceNow(Buffer.from('[]')), /\$: expected an object/);
    assert.throws(
      () => jsonSourceNow(Buffer.from('{"resourceSpans":[{"scopeSpans":{}}]}')),
      /\$\.resourceSpans\[0\]\.scopeSpans: expected an array/,
    );
  });
});

describe('span records from either decoder', () => {
  test('span kinds: OTLP value = API kind + 1; unspecified and unknown read as internal', () => {
    const kinds = [0, 1, 2, 3, 4, 5, 42, -1].map((kind) => both({ kind }).spans[0]?.kind);
    assert.deepEqual(kinds, [
      'internal',
      'internal',
      'server',
      'client',
      'producer',
      'consumer',
      'internal',
      'internal',
    ]);
  });

  test('parentIsRemote comes from flags 0x100 (known) and 0x200 (remote); roots have none', () => {
    const remote = (flags: number, parentSpanId = '00f067aa0ba902b7') =>
      both({ flags, parentSpanId }).spans[0]?.parentIsRemote;
    assert.equal(remote(0x01), undefined);
    assert.equal(remote(0x101), false);
    assert.equal(remote(0x301), true);
    assert.equal(remote(0x201), undefined, '0x200 without 0x100 says nothing');
    assert.equal(remote(0x301, ''), undefined);
  });

  test('an all-zero parent id is a root; other bad ids reject the span with a reason', () => {
    assert.equal(both({ parentSpanId: '0000000000000000' }).spans[0]?.parentSpanId, undefined);
    const reasons = [
      { traceId: undefined },
      { traceId: '0'.repeat(32) },
      { spanId: '11' },
      { spanId: '0'.repeat(16) },
      { parentSpanId: '00' },
      { parentSpanId: '1'.repeat(32) },
    ].map((overrides) => both(overrides).rejected[0]?.reason);
    assert.deepEqual(reasons, [
      'trace id (empty) is not 32 hex digits',
      'trace id is all zeros (an invalid, no-op span context)',
      'span id "11" is not 16 hex digits',
      'span id is all zeros (an invalid, no-op span context)',
      'parent span id "00" is not 16 hex digits',
      `parent span id "${'1'.repeat(32)}" is not 16 hex digits`,
    ]);
    // Only JSON can carry a non-hex id.
    assert.equal(
      fromJson('svc', [jsonSpan({ traceId: 'g'.repeat(32) })]).rejected[0]?.reason,
      `trace id "${'g'.repeat(32)}" is not 32 hex digits`,
    );
  });

  test('the service comes from the resource, per resource', () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] },
          scopeSpans: [{ spans: [jsonSpan()] }],
        },
        { scopeSpans: [{ spans: [jsonSpan({ spanId: '2222222222222222' })] }] },
      ],
    });
    const { spans } = decodeAll(jsonSourceNow(Buffer.from(body)));
    assert.deepEqual(
      spans.map((record) => record.service),
      ['a', 'unknown_service'],
    );
  });

  test('nanoseconds to milliseconds keeps the sub-millisecond part', () => {
    const millis = (nanos: string) => both({ startTimeUnixNano: nanos }).spans[0]?.startTimeMs;
    assert.equal(millis('0'), 0);
    assert.equal(millis('1500000'), 1.5);
    assert.equal(millis('1700000000123456789'), 1700000000123.4568);
    // Exact where a double would already have rounded the nanoseconds.
    assert.equal(millis('18446744073709551615'), 18446744073709.55);
    assert.equal(decimalNanosToMillis('000000001500000'), 1.5);
    // Against exact BigInt arithmetic, over every length of uint64.
    for (let index = 0; index < 2000; index += 1) {
      const digits = 1 + (index % 20);
      let text = String(1 + Math.floor(Math.random() * 9));
      while (text.length < digits) text += String(Math.floor(Math.random() * 10));
      const value = BigInt(text);
      if (value >= 2n ** 64n) continue;
      const exact = Number(value / 1_000_000n) + Number(value % 1_000_000n) / 1e6;
      assert.equal(decimalNanosToMillis(text), exact, text);
    }
    for (const bad of ['', '-1', '1.5', '18446744073709551616', '1e9', '0x10', ' 1']) {
      assert.equal(decimalNanosToMillis(bad), undefined, JSON.stringify(bad));
    }
  });

  test('the yielding protobuf index (HTTP) finds the same spans as the one-go index', async () => {
    // Two messages back to back are one request with two resources (repeated fields append);
    // 8,000 spans take the index pass through several of its steps.
    const spans = (count: number, base: number) =>
      Array.from({ length: count }, (_, index) =>
        jsonSpan({ spanId: (base + index).toString(16).padStart(16, '0'), name: `s${index % 7}` }),
      );
    const body = Buffer.concat([
      protobufRequest('first', spans(5000, 1)),
      protobufRequest('second', spans(3000, 100_000)),
    ]);
    const yielding = decodeAll(await protobufSourceYielding(body));
    const oneGo = decodeAll(protobufSource(body));
    assert.equal(yielding.spans.length, 8000);
    assert.deepEqual(yielding.spans, oneGo.spans);
    assert.deepEqual(
      [yielding.spans[4999]?.service, yielding.spans[5000]?.service],
      ['first', 'second'],
    );
    const truncated = body.subarray(0, body.length - 3);
    await assert.rejects(protobufSourceYielding(truncated), DecodeError);
    assert.throws(() => protobufSource(truncated), DecodeError);
  });

  test('the index pass yields through many small resources as through one large scope', () => {
    // A Collector forwarding one resource per span: each scope holds one span. The pass must
    // still end a step every few thousand units of work (it counted spans per scope, and
    // never yielded on such a body).
    const one = (index: number) =>
      protobufRequest(`svc-${index % 5}`, [
        jsonSpan({ spanId: (index + 1).toString(16).padStart(16, '0'), name: 'GET' }),
      ]);
    const body = Buffer.concat(Array.from({ length: 5000 }, (_, index) => one(index)));
    const index = newIndex(body);
    const steps = [...scanProtobuf(index)].length;
    assert.equal(index.bounds.count, 5000);
    // 5,000 spans, scopes and resources: 15,000 units, a yield every 4,096.
    assert.equal(steps, 3);
  });
});

describe('protobuf: attribute records shared between spans', () => {
  const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const Span = ExportTraceServiceRequest.lookupType('opentelemetry.proto.trace.v1.Span');
  const spanBytes = (spanId: string, attributes: object[], flags?: number): Uint8Array =>
    Span.encode(
      Span.fromObject({
        traceId: Buffer.from(TRACE_ID, 'hex'),
        spanId: Buffer.from(spanId, 'hex'),
        name: 'GET',
        attributes,
        ...(flags === undefined ? {} : { flags }),
      }),
    ).finish();
  /** A length-delimited field: its one-byte tag, the length as a varint, the bytes. */
  const field = (tag: number, bytes: Uint8Array): Buffer => {
    const length: number[] = [];
    let rest = bytes.length;
    while (rest >= 0x80) {
      length.push((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    length.push(rest);
    return Buffer.concat([Buffer.from([tag, ...length]), bytes]);
  };
  /** One request, one resource, one scope holding these encoded spans. */
  const requestOf = (spans: Uint8Array[]): Buffer =>
    field(0x0a, field(0x12, Buffer.concat(spans.map((span) => field(0x12, span)))));

  test('spans with the same attribute bytes share one frozen record; others get their own', () => {
    const same = [attribute('http.request.method', 'GET'), attribute('server.address', 'h')];
    const body = requestOf([
      spanBytes('1000000000000001', same),
      spanBytes('1000000000000002', same),
      spanBytes('1000000000000003', [...same, attribute('url.path', '/x')]),
      spanBytes('1000000000000004', same),
    ]);
    const [first, second, third, fourth] = decodeAll(protobufSource(body)).spans;
    const expected = { 'http.request.method': 'GET', 'server.address': 'h' };
    assert.deepEqual(first?.attributes, expected);
    assert.equal(second?.attributes, first?.attributes);
    assert.ok(Object.isFrozen(first?.attributes));
    assert.deepEqual(third?.attributes, { ...expected, 'url.path': '/x' });
    assert.deepEqual(fourth?.attributes, expected);
    assert.notEqual(fourth?.attributes, third?.attributes);
  });

  test('after a run of spans with attributes of their own, alike spans still share', () => {
    // Twelve spans each with its own URL, then two alike, then one whose attributes come in two
    // runs: every record holds exactly its span's attributes.
    const own = Array.from({ length: 12 }, (_, index) => [attribute('url.path', `/${index}`)]);
    const alike = [attribute('http.request.method', 'GET')];
    const body = requestOf([
      ...own.map((attributes, index) => spanBytes(`30000000000000${index + 10}`, attributes)),
      spanBytes('3000000000000030', alike),
      spanBytes('3000000000000031', alike),
      Buffer.concat([
        spanBytes('3000000000000032', alike, 0x301),
        Span.encode(Span.fromObject({ attributes: [attribute('b', '2')] })).finish(),
      ]),
    ]);
    const spans = decodeAll(protobufSource(body)).spans;
    assert.deepEqual(
      spans.map((span) => span.attributes),
      [
        ...own.map((_, index) => ({ 'url.path': `/${index}` })),
        { 'http.request.method': 'GET' },
        { 'http.request.method': 'GET' },
        { 'http.request.method': 'GET', b: '2' },
      ],
    );
    // Sharing is never given up: the two alike spans share one record, frozen.
    assert.equal(spans[12]?.attributes, spans[13]?.attributes);
    assert.ok(Object.isFrozen(spans[13]?.attributes));
    assert.ok(!Object.isFrozen(spans[14]?.attributes));
  });

  test('spans with the same keys and values of their own reuse only the entries that repeat', () => {
    // A server's spans: the method and host repeat, url.path differs, then a span drops the
    // path's value, one repeats a key with a value of its own, and one has an extra entry.
    const base = (path: string) => [
      attribute('http.request.method', 'GET'),
      attribute('url.path', path),
      attribute('server.address', 'h'),
    ];
    const runs = [
      base('/a'),
      base('/b'),
      [
        attribute('http.request.method', 'GET'),
        { key: 'url.path' },
        attribute('server.address', 'h'),
      ],
      [...base('/c'), attribute('url.path', '/d')],
      [...base('/c'), attribute('url.path', '/d'), attribute('x', 'y')],
      base('/c'),
    ];
    const body = requestOf(
      runs.map((attributes, index) => spanBytes(`40000000000000${index + 10}`, attributes)),
    );
    const spans = decodeAll(protobufSource(body)).spans;
    assert.deepEqual(
      spans.map((span) => span.attributes),
      [
        { 'http.request.method': 'GET', 'url.path': '/a', 'server.address': 'h' },
        { 'http.request.method': 'GET', 'url.path': '/b', 'server.address': 'h' },
        { 'http.request.method': 'GET', 'server.address': 'h' },
        { 'http.request.method': 'GET', 'url.path': '/d', 'server.address': 'h' },
        { 'http.request.method': 'GET', 'url.path': '/d', 'server.address': 'h', x: 'y' },
        { 'http.request.method': 'GET', 'url.path': '/c', 'server.address': 'h' },
      ],
    );
    // Each record is the span's own: none is shared, none frozen.
    assert.equal(new Set(spans.map((span) => span.attributes)).size, spans.length);
    assert.ok(spans.every((span) => !Object.isFrozen(span.attributes)));
  });

  test('attributes split by another field are merged into a copy, never into a shared record', () => {
    // Two encodings of one message concatenated are one message (repeated fields append): the
    // second span's attributes come in two runs, the flags between them. Its first run is the
    // first span's whole run, whose record must stay as it was.
    const first = [attribute('a', '1')];
    const body = requestOf([
      spanBytes('2000000000000001', first),
      Buffer.concat([
        spanBytes('2000000000000002', first, 0x301),
        Span.encode(Span.fromObject({ attributes: [attribute('b', '2')] })).finish(),
      ]),
      spanBytes('2000000000000003', first),
    ]);
    const spans = decodeAll(protobufSource(body)).spans;
    assert.deepEqual(
      spans.map((span) => span.attributes),
      [{ a: '1' }, { a: '1', b: '2' }, { a: '1' }],
    );
    assert.equal(spans[1]?.sampled, true);
  });
});
