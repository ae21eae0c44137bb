import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeJson } from '../../src/receiver/decode-json';
import { decodeProtobuf } from '../../src/receiver/decode-protobuf';
import { DecodeError, type OtlpSpan } from '../../src/receiver/internal-types';
import { nanosToMillis, toSpanRecords } from '../../src/receiver/to-span-record';
import { jsonRequest, jsonSpan, protobufRequest } from './helpers';

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

function span(overrides: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '1111111111111111',
    parentSpanId: '00f067aa0ba902b7',
    flags: 0,
    name: 'op',
    kind: 2,
    startTimeUnixNano: '0',
    endTimeUnixNano: '0',
    attributes: [],
    ...overrides,
  };
}

describe('decoding OTLP: protobuf and JSON agree', () => {
  test('the same request in both encodings decodes to the same span records', () => {
    const spans = [jsonSpan({ attributes: ATTRIBUTES })];
    const fromJson = toSpanRecords(decodeJson(Buffer.from(jsonRequest('svc', spans))));
    const fromProtobuf = toSpanRecords(decodeProtobuf(protobufRequest('svc', spans)));
    assert.deepEqual(fromJson, fromProtobuf);
    assert.deepEqual(fromJson.spans[0]?.attributes, FLATTENED);
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
    const [record] = toSpanRecords(decodeJson(Buffer.from(body))).spans;
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
    ] as const) {
      assert.throws(
        () => decodeJson(Buffer.from(jsonRequest('svc', [jsonSpan(override)]))),
        (error) => error instanceof DecodeError && path.test(error.message),
        JSON.stringify(override),
      );
    }
    assert.throws(() => decodeJson(Buffer.from('[]')), /\$: expected an object/);
  });
});

describe('toSpanRecords', () => {
  test('span kinds: OTLP value = API kind + 1; unspecified and unknown read as internal', () => {
    const kinds = [0, 1, 2, 3, 4, 5, 42].map(
      (kind) =>
        toSpanRecords({ resourceSpans: [{ resourceAttributes: [], spans: [span({ kind })] }] })
          .spans[0]?.kind,
    );
    assert.deepEqual(kinds, [
      'internal',
      'internal',
      'server',
      'client',
      'producer',
      'consumer',
      'internal',
    ]);
  });

  test('parentIsRemote comes from flags 0x100 (known) and 0x200 (remote); roots have none', () => {
    const remote = (flags: number, parentSpanId = '00f067aa0ba902b7') =>
      toSpanRecords({
        resourceSpans: [{ resourceAttributes: [], spans: [span({ flags, parentSpanId })] }],
      }).spans[0]?.parentIsRemote;
    assert.equal(remote(0x01), undefined);
    assert.equal(remote(0x101), false);
    assert.equal(remote(0x301), true);
    assert.equal(remote(0x201), undefined, '0x200 without 0x100 says nothing');
    assert.equal(remote(0x301, ''), undefined);
  });

  test('an all-zero parent id is a root; other bad ids reject the span with a reason', () => {
    const convert = (overrides: Partial<OtlpSpan>) =>
      toSpanRecords({ resourceSpans: [{ resourceAttributes: [], spans: [span(overrides)] }] });
    assert.equal(convert({ parentSpanId: '0000000000000000' }).spans[0]?.parentSpanId, undefined);
    const reasons = [
      { traceId: '' },
      { traceId: '0'.repeat(32) },
      { traceId: 'g'.repeat(32) },
      { spanId: '11' },
      { spanId: '0'.repeat(16) },
      { parentSpanId: '00' },
      { parentSpanId: '1'.repeat(32) },
    ].map((overrides) => convert(overrides).rejected[0]?.reason);
    assert.deepEqual(reasons, [
      'trace id (empty) is not 32 hex digits',
      'trace id is all zeros (an invalid, no-op span context)',
      `trace id "${'g'.repeat(32)}" is not 32 hex digits`,
      'span id "11" is not 16 hex digits',
      'span id is all zeros (an invalid, no-op span context)',
      'parent span id "00" is not 16 hex digits',
      `parent span id "${'1'.repeat(32)}" is not 16 hex digits`,
    ]);
  });

  test('the service comes from the resource, per resource', () => {
    const { spans } = toSpanRecords({
      resourceSpans: [
        {
          resourceAttributes: [{ key: 'service.name', value: { stringValue: 'a' } }],
          spans: [span()],
        },
        { resourceAttributes: [], spans: [span({ spanId: '2222222222222222' })] },
      ],
    });
    assert.deepEqual(
      spans.map((record) => record.service),
      ['a', 'unknown_service'],
    );
  });

  test('nanoseconds to milliseconds keeps the sub-millisecond part', () => {
    assert.equal(nanosToMillis('0'), 0);
    assert.equal(nanosToMillis('1500000'), 1.5);
    assert.equal(nanosToMillis('1700000000123456789'), 1700000000123.4568);
    // Exact as a string even where a double would already have rounded the nanoseconds.
    assert.equal(nanosToMillis('18446744073709551615'), 18446744073709.55);
  });
});
