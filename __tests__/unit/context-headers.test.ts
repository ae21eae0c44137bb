import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBaggage } from '../../src/verify/header-checks/baggage';
import { TRACE_FORMATS, formatsPresent } from '../../src/verify/formats/context-headers';

const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const SPAN = 'e457b5a2e4d86bd1';
const PARENT = '05e3ac9a4f6e3b90';

function valid(name: keyof typeof TRACE_FORMATS, headers: Record<string, string>) {
  const read = TRACE_FORMATS[name].read(headers);
  assert.ok(read.ok, JSON.stringify(read));
  return read.value;
}

function invalid(name: keyof typeof TRACE_FORMATS, headers: Record<string, string>): void {
  const read = TRACE_FORMATS[name].read(headers);
  assert.equal(read.ok, false, JSON.stringify(read));
}

describe('b3 single header', () => {
  test('the forms of the B3 spec', () => {
    assert.deepEqual(valid('b3', { b3: `${TRACE}-${SPAN}-1-${PARENT}` }), {
      traceId: TRACE,
      parentId: SPAN,
      sampled: true,
    });
    assert.equal(valid('b3', { b3: `${TRACE}-${SPAN}` }).sampled, undefined);
    assert.equal(valid('b3', { b3: `${TRACE}-${SPAN}-0` }).sampled, false);
    assert.equal(valid('b3', { b3: `${TRACE}-${SPAN}-d` }).sampled, true);
    assert.equal(
      valid('b3', { b3: `${TRACE.slice(16)}-${SPAN}-1` }).traceId,
      `${'0'.repeat(16)}${TRACE.slice(16)}`,
    );
  });
  for (const [label, value] of [
    ['absent', undefined],
    ['deny only', '0'],
    ['upper-case', `${TRACE.toUpperCase()}-${SPAN}-1`],
    ['zero trace id', `${'0'.repeat(32)}-${SPAN}-1`],
    ['zero span id', `${TRACE}-${'0'.repeat(16)}-1`],
    ['bad sampling state', `${TRACE}-${SPAN}-2`],
    ['five fields', `${TRACE}-${SPAN}-1-${PARENT}-x`],
    ['24-character trace id', `${TRACE.slice(8)}-${SPAN}-1`],
  ] as const) {
    test(`invalid: ${label}`, () => invalid('b3', value === undefined ? {} : { b3: value }));
  }
});

describe('b3 multiple headers', () => {
  test('trace id, span id and sampled', () => {
    assert.deepEqual(
      valid('b3multi', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }),
      { traceId: TRACE, parentId: SPAN, sampled: true },
    );
    assert.equal(
      valid('b3multi', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' }).sampled,
      true,
    );
  });
  test('invalid: span id missing', () => invalid('b3multi', { 'x-b3-traceid': TRACE }));
  test('invalid: sampled true', () =>
    invalid('b3multi', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'true' }));
});

describe('jaeger uber-trace-id', () => {
  test('as the OpenTelemetry propagator writes it, and URL-encoded with short ids', () => {
    assert.deepEqual(valid('jaeger', { 'uber-trace-id': `${TRACE}:${SPAN}:0:01` }), {
      traceId: TRACE,
      parentId: SPAN,
      sampled: true,
    });
    assert.deepEqual(valid('jaeger', { 'uber-trace-id': 'abc%3Adef%3A0%3A0' }), {
      traceId: 'abc'.padStart(32, '0'),
      parentId: 'def'.padStart(16, '0'),
      sampled: false,
    });
  });
  for (const [label, value] of [
    ['three fields', `${TRACE}:${SPAN}:01`],
    ['zero span id', `${TRACE}:0:0:01`],
    ['33-digit trace id', `f${TRACE}:${SPAN}:0:01`],
  ] as const) {
    test(`invalid: ${label}`, () => invalid('jaeger', { 'uber-trace-id': value }));
  }
  test('invalid: bad URL encoding, rejected for that reason', () => {
    const read = TRACE_FORMATS.jaeger.read({
      'uber-trace-id': `${TRACE}%3A${SPAN}%3A0%3A0%E0%A4%A`,
    });
    assert.deepEqual(read.ok ? 'ok' : read.reason, 'not valid URL encoding');
  });
});

describe('formatsPresent', () => {
  test('names every format with a header present, valid or not', () => {
    assert.deepEqual(
      formatsPresent({ b3: 'garbage', 'uber-trace-id': `${TRACE}:${SPAN}:0:01` }).map(
        (f) => f.name,
      ),
      ['b3', 'jaeger'],
    );
  });
});

describe('parseBaggage', () => {
  test('members, properties, percent-encoding, junk skipped', () => {
    const entries = parseBaggage('a=1, b = two%20words ;p=q,=x,c,d=%E0%A4%A');
    assert.deepEqual(
      [...entries],
      [
        ['a', '1'],
        ['b', 'two words'],
      ],
    );
  });
  test('absent header', () => assert.equal(parseBaggage(undefined).size, 0));
});
