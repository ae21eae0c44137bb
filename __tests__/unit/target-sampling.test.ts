// sampled_flag_kept: a server span recorded without the sampled flag its caller sent (OTLP
// Span.flags) names the edge where the flag was lost; spans whose flags say nothing pass, and so
// do the spans of a service never seen writing the trace flags (Go's and Python's exporters set
// only the is-remote bits of Span.flags).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, span, verify } from '../helpers/target-spans';

/** healthy() with each span's sampled bit: [checkout server, checkout client, payment server]. */
function flagged(sampled: (boolean | undefined)[]): SpanRecord[] {
  return healthy().map((s, index) => ({ ...s, sampled: sampled[index] }));
}

/**
 * A request `service` answered long before the probe, with no context (so sampled): proof that
 * its exporter writes the trace flags into Span.flags.
 */
function writesFlags(service: string): SpanRecord {
  return span(
    service,
    'server',
    `e${service.length.toString().padStart(15, '0')}`,
    undefined,
    [100, 110],
    {
      traceId: `e${service.length.toString().padStart(31, '0')}`,
      sampled: true,
    },
  );
}

function sampling(spans: SpanRecord[]) {
  const verification = verify(spans);
  const finding = verification.sample.findings.find((f) => f.check === 'sampled_flag_kept');
  assert.ok(finding);
  return { verification, finding };
}

describe('sampled_flag_kept', () => {
  test('every span sampled: passes', () => {
    const { verification, finding } = sampling(flagged([true, true, true]));
    assert.equal(finding.passed, true);
    assert.equal(finding.observed, 'as expected');
    assert.equal(verification.passed, true);
  });

  test('flags unknown (an exporter that leaves Span.flags unset): passes', () => {
    const { verification, finding } = sampling(flagged([undefined, undefined, undefined]));
    assert.equal(finding.passed, true);
    assert.equal(verification.passed, true);
  });

  test("payment recorded the call without checkout's sampled flag: the edge is named", () => {
    const { verification, finding } = sampling([
      ...flagged([true, true, false]),
      writesFlags('payment'),
    ]);
    assert.equal(finding.passed, false);
    assert.equal(finding.observed, 'payment: GET (p000000000000001) not sampled');
    assert.deepEqual(verification.failedChecks, ['sampled_flag_kept']);
    assert.deepEqual(verification.sample.diagnoses, [
      "checkout -> payment (POST http://127.0.0.1:9002/pay): sampled flag lost between checkout and payment: payment recorded server span p000000000000001 without the sampled flag checkout's span c000000000000002 sent: something in between (a proxy or gateway) forwarded the traceparent header with flags 00, so payment and the services it calls sample this trace out.",
    ]);
  });

  test('the entry recorded the probe without its sampled flag: probe -> entry is named', () => {
    const { verification } = sampling([...flagged([false, false, false]), writesFlags('checkout')]);
    // Only the first edge: payment's caller had lost the flag already.
    assert.deepEqual(verification.sample.diagnoses, [
      'probe -> checkout (GET): sampled flag lost between probe and checkout: checkout recorded server span c000000000000001 without the sampled flag the probe sent: something in between (a proxy or gateway) forwarded the traceparent header with flags 00, so checkout and the services it calls sample this trace out.',
    ]);
  });

  test('a service never seen writing the trace flags (Go, Python exporters): not judged', () => {
    // Every span of these services has the sampled bit clear: the exporter leaves it out.
    const { verification, finding } = sampling(flagged([false, false, false]));
    assert.equal(finding.passed, true);
    assert.equal(verification.passed, true);
    const partly = sampling([...flagged([true, true, false]), writesFlags('checkout')]);
    assert.equal(partly.finding.passed, true, 'payment never wrote the flags');
  });

  test("a caller whose own flags are unknown: payment's cleared flag is not blamed on it", () => {
    const { finding } = sampling(flagged([true, undefined, false]));
    assert.equal(finding.passed, true);
  });

  test('an unsampled span that is not a server span is not judged', () => {
    const { finding } = sampling(flagged([true, false, true]));
    assert.equal(finding.passed, true);
  });
});
