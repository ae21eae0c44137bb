// The header parsers' verdicts in full (ok, reason, raw) for inputs one field or one character
// away from valid: each rule of the W3C and B3/Jaeger formats is held on its own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRACE_FORMATS, type TraceFormatName } from '../../src/verify/formats/context-headers';
import { parseTraceparent } from '../../src/verify/formats/traceparent';

const TRACE = '80f198ee56343ba864fe8b2a57d3eff0';
const SPAN = 'e457b5a2e4d86bd0';
const PARENT = '05e3ac9a4f6e3b90';

function read(name: TraceFormatName, headers: Record<string, string>) {
  return TRACE_FORMATS[name].read(headers);
}

describe('traceparent: one rule broken at a time', () => {
  const valid = `00-${TRACE}-${SPAN}-01`;
  test('ids ending in zeros are valid', () => {
    assert.deepEqual(parseTraceparent(valid), {
      ok: true,
      value: { version: '00', traceId: TRACE, parentId: SPAN, flags: '01', sampled: true },
    });
  });
  const at = (index: number, char: string): string =>
    valid.slice(0, index) + char + valid.slice(index + 1);
  for (const [label, header, reason] of [
    [
      'one dash missing after the version',
      at(2, '_'),
      'fields are not separated by dashes at the expected positions',
    ],
    [
      'one dash missing after the trace id',
      at(35, '_'),
      'fields are not separated by dashes at the expected positions',
    ],
    [
      'one dash missing after the parent id',
      at(52, '_'),
      'fields are not separated by dashes at the expected positions',
    ],
    ['a short version 00', valid.slice(0, 54), 'length is 54, expected 55'],
    ['a long version 00', `${valid}0`, 'length is 56, expected 55'],
    ['a short future version', `01${valid.slice(2, 54)}`, 'length is 54, expected 55'],
    [
      'a future version followed by a non-dash',
      `01${valid.slice(2)}x`,
      'unexpected character after the flags field',
    ],
    ['version ff', `ff${valid.slice(2)}`, 'version ff is invalid'],
    ['a one-character header', '0', 'version is not two lower-case hex digits'],
    ['a non-hex trace id', at(3, 'g'), 'trace-id is not 32 lower-case hex digits'],
    ['a zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`, 'trace-id is all zeros'],
    ['a non-hex parent id', at(36, 'g'), 'parent-id is not 16 lower-case hex digits'],
    ['a zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`, 'parent-id is all zeros'],
    ['non-hex flags', at(54, 'g'), 'trace-flags is not two lower-case hex digits'],
    ['absent', undefined, 'no traceparent header'],
  ] as const) {
    test(`${label}: ${reason}`, () => {
      assert.deepEqual(parseTraceparent(header), { ok: false, reason });
    });
  }
});

describe('b3 single header: reasons', () => {
  for (const [label, value, reason] of [
    ['empty', '', 'no b3 header'],
    [
      'a parent id that is not hex',
      `${TRACE}-${SPAN}-1-${PARENT.slice(1)}g`,
      'parent span id is not 16 non-zero lower-case hex digits',
    ],
    [
      'a zero parent id',
      `${TRACE}-${SPAN}-1-${'0'.repeat(16)}`,
      'parent span id is not 16 non-zero lower-case hex digits',
    ],
    [
      'a 33-digit trace id',
      `f${TRACE}-${SPAN}-1`,
      'trace id is not 16 or 32 non-zero lower-case hex digits',
    ],
    [
      'a trace id with a non-hex prefix',
      `g${TRACE.slice(1)}-${SPAN}-1`,
      'trace id is not 16 or 32 non-zero lower-case hex digits',
    ],
    [
      'a 17-digit span id',
      `${TRACE}-f${SPAN}-1`,
      'span id is not 16 non-zero lower-case hex digits',
    ],
    ['five fields', `${TRACE}-${SPAN}-1-${PARENT}-x`, 'more than four fields'],
    ['sampling state 2', `${TRACE}-${SPAN}-2`, 'sampling state "2" is not 0, 1 or d'],
  ] as const) {
    test(`${label}: ${reason}`, () => {
      assert.deepEqual(read('b3', { b3: value }), { ok: false, reason, raw: value });
    });
  }
  test('absent: no raw value', () => {
    assert.deepEqual(read('b3', {}), { ok: false, reason: 'no b3 header', raw: undefined });
  });
  test('a valid parent id is accepted', () => {
    assert.deepEqual(read('b3', { b3: `${TRACE}-${SPAN}-0-${PARENT}` }), {
      ok: true,
      value: { traceId: TRACE, parentId: SPAN, sampled: false },
      raw: `${TRACE}-${SPAN}-0-${PARENT}`,
    });
  });
});

describe('b3 multiple headers: reasons and raw', () => {
  test('only the trace id: raw shows the missing span id empty', () => {
    assert.deepEqual(read('b3multi', { 'x-b3-traceid': TRACE }), {
      ok: false,
      reason: 'no X-B3-TraceId and X-B3-SpanId headers',
      raw: `X-B3-TraceId: ${TRACE}, X-B3-SpanId: `,
    });
  });
  test('only the span id: raw shows the missing trace id empty', () => {
    assert.deepEqual(read('b3multi', { 'x-b3-spanid': SPAN }), {
      ok: false,
      reason: 'no X-B3-TraceId and X-B3-SpanId headers',
      raw: `X-B3-TraceId: , X-B3-SpanId: ${SPAN}`,
    });
  });
  test('neither: no raw value', () => {
    assert.deepEqual(read('b3multi', {}), {
      ok: false,
      reason: 'no X-B3-TraceId and X-B3-SpanId headers',
      raw: undefined,
    });
  });
  const raw = `X-B3-TraceId: ${TRACE}, X-B3-SpanId: ${SPAN}`;
  test('a bad span id', () => {
    assert.deepEqual(read('b3multi', { 'x-b3-traceid': TRACE, 'x-b3-spanid': 'zz' }), {
      ok: false,
      reason: 'span id is not 16 non-zero lower-case hex digits',
      raw: `X-B3-TraceId: ${TRACE}, X-B3-SpanId: zz`,
    });
  });
  test('X-B3-Sampled d is not allowed in the multi-header form', () => {
    assert.deepEqual(
      read('b3multi', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'd' }),
      { ok: false, reason: 'X-B3-Sampled "d" is not 0 or 1', raw },
    );
  });
  for (const [sampled, flags, expected] of [
    ['0', undefined, false],
    ['1', undefined, true],
    [undefined, undefined, undefined],
    ['0', '1', true],
    [undefined, '0', undefined],
  ] as const) {
    test(`X-B3-Sampled ${sampled}, X-B3-Flags ${flags}: sampled ${expected}`, () => {
      const headers: Record<string, string> = { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN };
      if (sampled !== undefined) headers['x-b3-sampled'] = sampled;
      if (flags !== undefined) headers['x-b3-flags'] = flags;
      assert.deepEqual(read('b3multi', headers), {
        ok: true,
        value: { traceId: TRACE, parentId: SPAN, sampled: expected },
        raw,
      });
    });
  }
});

describe('jaeger uber-trace-id: reasons', () => {
  for (const [label, value, reason] of [
    ['empty', '', 'no uber-trace-id header'],
    [
      'a 17-digit span id',
      `${TRACE}:f${SPAN}:0:01`,
      'span id is not 1 to 16 non-zero lower-case hex digits',
    ],
    [
      'a span id with a non-hex prefix',
      `${TRACE}:g${SPAN.slice(1)}:0:01`,
      'span id is not 1 to 16 non-zero lower-case hex digits',
    ],
    ['a zero trace id', `0:${SPAN}:0:01`, 'trace id is not 1 to 32 non-zero lower-case hex digits'],
    ['three-digit flags', `${TRACE}:${SPAN}:0:011`, 'flags are not hex'],
    ['flags with a non-hex prefix', `${TRACE}:${SPAN}:0:x1`, 'flags are not hex'],
    ['five fields', `${TRACE}:${SPAN}:0:01:0`, 'not four colon-separated fields'],
  ] as const) {
    test(`${label}: ${reason}`, () => {
      assert.deepEqual(read('jaeger', { 'uber-trace-id': value }), {
        ok: false,
        reason,
        raw: value,
      });
    });
  }
  test('absent: no raw value', () => {
    assert.deepEqual(read('jaeger', {}), {
      ok: false,
      reason: 'no uber-trace-id header',
      raw: undefined,
    });
  });
  test('flags 3: sampled (bit 0); flags 2: not sampled', () => {
    const sampled = (flags: string): boolean | undefined => {
      const result = read('jaeger', { 'uber-trace-id': `${TRACE}:${SPAN}:0:${flags}` });
      return result.ok ? result.value.sampled : undefined;
    };
    assert.equal(sampled('3'), true);
    assert.equal(sampled('2'), false);
  });
});
