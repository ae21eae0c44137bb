import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTraceparent } from '../../src/verify/formats/traceparent';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('parseTraceparent (W3C Trace Context, level 1 and 2)', () => {
  test('the spec example parses into its fields', () => {
    assert.deepEqual(parseTraceparent(`00-${TRACE}-${PARENT}-01`), {
      ok: true,
      value: { version: '00', traceId: TRACE, parentId: PARENT, flags: '01', sampled: true },
    });
  });

  for (const [label, header, sampled] of [
    ['unsampled', `00-${TRACE}-${PARENT}-00`, false],
    ['other flag bits beside sampled', `00-${TRACE}-${PARENT}-03`, true],
    ['random-trace-id flag alone (level 2)', `00-${TRACE}-${PARENT}-02`, false],
    ['a future version, exactly 55 characters', `01-${TRACE}-${PARENT}-01`, true],
    [
      'a future version with more fields after a dash',
      `cc-${TRACE}-${PARENT}-01-what-the-future-holds`,
      true,
    ],
  ] as const) {
    test(`valid: ${label}`, () => {
      const parsed = parseTraceparent(header);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.equal(parsed.value.sampled, sampled);
      assert.equal(parsed.value.parentId, PARENT);
    });
  }

  for (const [label, header] of [
    ['absent', undefined],
    ['empty', ''],
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['upper-case version', `AA-${TRACE}-${PARENT}-01`],
    ['non-hex version', `0g-${TRACE}-${PARENT}-01`],
    ['version 00 with a trailing field', `00-${TRACE}-${PARENT}-01-extra`],
    ['a future version with junk right after the flags', `cc-${TRACE}-${PARENT}-01.extra`],
    ['upper-case trace-id', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['upper-case parent-id', `00-${TRACE}-${PARENT.toUpperCase()}-01`],
    ['upper-case flags', `00-${TRACE}-${PARENT}-0A`],
    ['non-hex trace-id', `00-${TRACE.slice(0, 31)}g-${PARENT}-01`],
    ['non-hex flags', `00-${TRACE}-${PARENT}-0x`],
    ['all-zero trace-id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['all-zero parent-id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['short trace-id', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['long parent-id', `00-${TRACE}-${PARENT}0-01`],
    ['underscores for dashes', `00_${TRACE}_${PARENT}_01`],
    ['missing flags', `00-${TRACE}-${PARENT}`],
    ['surrounding whitespace', ` 00-${TRACE}-${PARENT}-01`],
    ['one-character flags', `00-${TRACE}-${PARENT}-1`],
  ] as const) {
    test(`invalid: ${label}`, () => {
      const parsed = parseTraceparent(header);
      assert.equal(parsed.ok, false, JSON.stringify(parsed));
      assert.ok(!parsed.ok && parsed.reason.length > 0);
    });
  }
});
