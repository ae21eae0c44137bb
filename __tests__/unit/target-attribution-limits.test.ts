// Limits of attribution and of "after the answer": each culprit explains one break, each kind of
// root goes to the rule made for it. Written after the second mutation run, from its survivors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TargetInput } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, PROBE_SPAN, span, verify } from '../helpers/target-spans';

function observed(spans: SpanRecord[], check: string, extra: Partial<TargetInput> = {}): string {
  return verify(spans, extra).sample.findings.find((f) => f.check === check)?.observed ?? '';
}

function rootAt(service: string, id: string, at: number, kind: SpanRecord['kind'] = 'server') {
  return span(service, kind, id, undefined, [at, at + 3], { traceId: id.repeat(2) });
}

describe('after the answer', () => {
  test('a server span starting after the probe was answered (beyond the skew) is listed', () => {
    const spans = healthy();
    spans[1] = { ...spans[1]!, endTimeMs: 1500 };
    spans[2] = { ...spans[2]!, startTimeMs: 1400, endTimeMs: 1450 };
    assert.match(
      observed(spans, 'context_isolated', { maxClockSkewMs: 100 }),
      /1 span after the answer/,
    );
    assert.doesNotMatch(
      observed(spans, 'context_isolated', { maxClockSkewMs: 400 }),
      /after the answer/,
    );
  });

  test('a late span in its own trace: the same service one clock, another service the skew', () => {
    const spans = healthy();
    // payment starts 20 ms after checkout's call ended: late for a skew of 10, not for 50.
    spans[2] = { ...spans[2]!, startTimeMs: 1100, endTimeMs: 1101 };
    assert.match(
      observed(spans, 'context_isolated', { maxClockSkewMs: 10 }),
      /1 span after the answer/,
    );
    assert.doesNotMatch(
      observed(spans, 'context_isolated', { maxClockSkewMs: 50 }),
      /after the answer/,
    );
  });
});

describe('one break per culprit', () => {
  test('an uninstrumented caller explains one new root of a service, not two', () => {
    const spans = [
      span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090]),
      rootAt('payment', 'p00000000000000a', 1010),
      rootAt('payment', 'p00000000000000b', 1020),
    ];
    assert.match(
      observed(spans, 'no_new_roots'),
      /^payment: GET \(p00000000000000a\) in trace p0{14}ap0{14}a$/,
    );
  });

  test('an entry that did not join explains one root', () => {
    const spans = [
      rootAt('checkout', 'e00000000000000a', 1010),
      rootAt('checkout', 'e00000000000000b', 1020),
    ];
    assert.match(observed(spans, 'no_new_roots'), /^checkout: GET \(e00000000000000a\)/);
    assert.doesNotMatch(observed(spans, 'no_new_roots'), /e00000000000000b/);
  });

  test("a producer span that began a trace while serving is the service's own", () => {
    const spans = [...healthy(), rootAt('checkout', 'q00000000000000a', 1050, 'producer')];
    assert.match(
      verify(spans).sample.diagnoses[0] ?? '',
      /^checkout \(GET\): checkout began this producer span in a new trace while serving/,
    );
    const internal = [...healthy(), rootAt('checkout', 'q00000000000000a', 1050, 'internal')];
    assert.deepEqual(verify(internal).failedChecks, []);
  });

  test('a server root in the service itself is not its own uninstrumented call', () => {
    const spans = [
      span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090]),
      rootAt('checkout', 'c00000000000000a', 1010),
    ];
    assert.deepEqual(verify(spans).failedChecks, []);
  });
});
