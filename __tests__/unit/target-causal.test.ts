// Issue 8 at the unit level: each causal check driven to FAIL by a real break and to PASS by the
// healthy shape, and each attempt to fool it (a foreign context, a cleared sampled flag, a busy
// sibling, a health check, clock skew, a leak, deferred work, duplicate ids).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifyTarget, type TargetInput, type TargetProbe } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, PROBE_SPAN, probe, span, verify } from '../helpers/target-spans';

const OTHER_TRACE = '22222222222222222222222222222222';

/** healthy(), with payment's server span replaced by `payment`. */
function withPayment(payment: Partial<SpanRecord>): SpanRecord[] {
  const spans = healthy();
  spans[2] = { ...spans[2]!, ...payment };
  return spans;
}

const CALL = 'checkout -> payment (POST http://127.0.0.1:9002/pay)';

describe('the verdict', () => {
  test('one failing probe among passing ones fails the run', () => {
    const second: TargetProbe = {
      ...probe,
      index: 2,
      traceId: '9'.repeat(32),
      startMs: 2000,
      endMs: 2100,
    };
    const verification = verifyTarget({
      probes: [probe, second],
      spans: healthy(),
      expectServices: [],
      header: 'traceparent',
    });
    assert.deepEqual(
      verification.probes.map((p) => p.passed),
      [true, false],
    );
    assert.equal(verification.passed, false);
    assert.equal(verification.sample.index, 2);
  });

  for (const [status, passed] of [
    [200, true],
    [499, true],
    [500, false],
    [503, false],
  ] as const) {
    test(`HTTP ${status} is ${passed ? '' : 'not '}an answer`, () => {
      const verification = verifyTarget({
        probes: [{ ...probe, status }],
        spans: healthy(),
        expectServices: [],
        header: 'traceparent',
      });
      assert.equal(verification.passed, passed);
      assert.deepEqual(verification.failedChecks, passed ? [] : ['target_answered']);
    });
  }
});

describe('every call is answered', () => {
  test('a proxy that injected its own context: foreign trace, named at the edge', () => {
    const verification = verify(
      withPayment({ traceId: OTHER_TRACE, parentSpanId: 'eeeeeeeeeeeeeeee' }),
    );
    assert.deepEqual(verification.failedChecks, ['calls_answered', 'no_foreign_traces']);
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      new RegExp(
        `^${CALL.replace(/[()]/g, '\\$&')}: payment continued trace 2{32} \\(parent e{16}\\), which no service exported: something between checkout and payment \\(a proxy or gateway\\) replaced the traceparent header`,
      ),
    );
    assert.deepEqual(verification.sample.edges.at(-1), {
      from: 'checkout',
      to: 'payment',
      call: 'POST http://127.0.0.1:9002/pay',
      broken: true,
    });
  });

  test('a parent in another exported trace is not foreign', () => {
    const spans = withPayment({ traceId: OTHER_TRACE, parentSpanId: 'f000000000000001' });
    spans.push(
      span('gateway', 'client', 'f000000000000001', undefined, [0, 1], { traceId: OTHER_TRACE }),
    );
    const checks = verify(spans).failedChecks;
    assert.ok(!checks.includes('no_foreign_traces'), checks.join());
    assert.ok(checks.includes('calls_answered'));
  });

  test('a callee that records its requests but not this one: sampled flag lost', () => {
    const spans = healthy().slice(0, 2);
    // payment answered someone else at its port before the probe: it records requests.
    spans.push(
      span('payment', 'server', 'p0000000000000aa', undefined, [500, 510], {
        traceId: OTHER_TRACE,
        attributes: { 'server.port': 9002 },
      }),
    );
    const verification = verify(spans);
    assert.deepEqual(verification.failedChecks, ['calls_answered']);
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      /^checkout -> payment \(POST http:\/\/127\.0\.0\.1:9002\/pay\): sampled flag lost between checkout and payment: payment records its requests \(it exported 1 span\)/,
    );
  });

  test('a callee that exported nothing: the address, and how to declare it external', () => {
    const verification = verify(healthy().slice(0, 2));
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      /^checkout -> 127\.0\.0\.1:9002 \(POST http:\/\/127\.0\.0\.1:9002\/pay\): no span answered this call: 127\.0\.0\.1:9002 exported nothing\. If it is not one of your services, declare it in 'external-calls'/,
    );
  });

  const declared: [string, TargetInput['externalCalls'], boolean][] = [
    ['host', [{ kind: 'host', host: '127.0.0.1', port: undefined }], true],
    ['host:port', [{ kind: 'host', host: '127.0.0.1', port: 9002 }], true],
    ['another port', [{ kind: 'host', host: '127.0.0.1', port: 9003 }], false],
    ['URL prefix', [{ kind: 'prefix', prefix: 'http://127.0.0.1:9002/' }], true],
    ['another prefix', [{ kind: 'prefix', prefix: 'http://127.0.0.1:9002/refund' }], false],
  ];
  for (const [name, externalCalls, passes] of declared) {
    test(`external-calls by ${name}: ${passes ? 'not verified, not failed' : 'still failed'}`, () => {
      const verification = verify(healthy().slice(0, 2), { externalCalls });
      assert.equal(verification.passed, passes, verification.failedChecks.join());
      if (passes) {
        assert.match(
          verification.sample.findings.find((f) => f.check === 'calls_answered')?.observed ?? '',
          /^0 unanswered calls; 1 call to external-calls, not verified: checkout -> 127\.0\.0\.1:9002/,
        );
        assert.equal(verification.sample.edges.at(-1)?.external, true);
      }
    });
  }
});

describe('attribution by cause', () => {
  /** checkout calls payment (9002) and ledger (9003) in parallel; ledger's context is lost. */
  function fanOut(lost: 'payment' | 'ledger'): SpanRecord[] {
    const spans = healthy();
    spans.push(
      span('checkout', 'client', 'c000000000000003', 'c000000000000001', [1010, 1081], {
        attributes: { 'url.full': 'http://127.0.0.1:9003/post', 'server.port': 9003 },
      }),
      span('ledger', 'server', 'l000000000000001', 'c000000000000003', [1012, 1078], {
        attributes: { 'server.port': 9003 },
      }),
    );
    const index = lost === 'payment' ? 2 : 4;
    spans[index] = { ...spans[index]!, traceId: OTHER_TRACE, parentSpanId: undefined };
    return spans;
  }
  for (const lost of ['payment', 'ledger'] as const) {
    test(`fan-out: the lost branch to ${lost} is named, its sibling is not`, () => {
      const verification = verify(fanOut(lost));
      const sibling = lost === 'payment' ? 'ledger' : 'payment';
      assert.equal(
        verification.sample.diagnoses.length,
        1,
        verification.sample.diagnoses.join('\n'),
      );
      assert.match(verification.sample.diagnoses[0]!, new RegExp(`^checkout -> ${lost} \\(`));
      assert.ok(!verification.sample.diagnoses[0]!.includes(sibling));
    });
  }

  test('a health check that started a trace during the probe is not blamed', () => {
    const spans = healthy();
    spans.push(
      span('payment', 'server', 'h000000000000001', undefined, [1030, 1031], {
        traceId: OTHER_TRACE,
        attributes: { 'server.port': 9002, 'url.path': '/health' },
      }),
    );
    assert.deepEqual(verify(spans).failedChecks, []);
  });

  test('a new root shifted by clock skew within max-clock-skew is still attributed', () => {
    const spans = withPayment({
      traceId: OTHER_TRACE,
      parentSpanId: undefined,
      startTimeMs: 1230,
      endTimeMs: 1298,
    });
    assert.match(
      verify(spans).sample.diagnoses[0] ?? '',
      /^checkout -> payment \(.*\): payment started a new trace/,
    );
    // With no skew allowed the root is not attributed, but the unanswered call still fails.
    const strict = verify(spans, { maxClockSkewMs: 0 });
    assert.deepEqual(strict.failedChecks, ['calls_answered']);
  });

  test("a new root whose first span is internal is the callee's", () => {
    const spans = withPayment({ traceId: OTHER_TRACE, parentSpanId: undefined, kind: 'internal' });
    const verification = verify(spans);
    assert.deepEqual(verification.failedChecks, ['calls_answered', 'no_new_roots']);
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      /payment started a new trace.*Its first span is internal/,
    );
  });

  test('an entry behind a proxy that injected its own context', () => {
    const spans = healthy().map((s) => ({ ...s, traceId: OTHER_TRACE }));
    spans[0] = { ...spans[0]!, parentSpanId: 'eeeeeeeeeeeeeeee' };
    const verification = verify(spans);
    assert.ok(verification.failedChecks.includes('entry_joined'));
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      /^probe -> checkout \(GET\): checkout continued trace 2{32}, which no service exported; the traceparent header it received was not the probe's/,
    );
  });

  test('under concurrency each probe gets its own break, named once', () => {
    const probes = [0, 1, 2, 3, 4].map((n): TargetProbe => ({
      ...probe,
      index: n + 1,
      traceId: `${n + 1}`.repeat(32),
      spanId: `${n + 1}`.repeat(16),
      startMs: 1000 + n * 3,
      endMs: 1100 + n * 3,
    }));
    const spans = probes.flatMap((p, n) =>
      healthy().map((s, i): SpanRecord => ({
        ...s,
        traceId: i === 2 ? `${n + 6}`.repeat(32) : p.traceId,
        spanId: `${s.spanId.slice(0, 15)}${n}`,
        parentSpanId:
          i === 0 ? p.spanId : i === 2 ? undefined : `${s.parentSpanId!.slice(0, 15)}${n}`,
        startTimeMs: s.startTimeMs + n * 3,
        endTimeMs: s.endTimeMs + n * 3,
      })),
    );
    const verification = verifyTarget({ probes, spans, expectServices: [], header: 'traceparent' });
    for (const result of verification.probes) {
      assert.equal(result.passed, false);
      assert.equal(result.diagnoses.length, 1, result.diagnoses.join('\n'));
      assert.match(
        result.diagnoses[0]!,
        /^checkout -> payment \(POST http:\/\/127\.0\.0\.1:9002\/pay\): payment started a new trace/,
      );
    }
  });
});

describe('context kept, context leaked', () => {
  test("a callee that continued another probe's context: a leak in both probes", () => {
    const second: TargetProbe = {
      ...probe,
      index: 2,
      traceId: '9'.repeat(32),
      spanId: 'bbbbbbbbbbbbbbbb',
      startMs: 1500,
      endMs: 1600,
    };
    const spans = healthy();
    spans.push(
      span('checkout', 'server', 'c000000000000011', second.spanId, [1501, 1590], {
        traceId: second.traceId,
      }),
      span('checkout', 'client', 'c000000000000012', 'c000000000000011', [1510, 1580], {
        traceId: second.traceId,
        attributes: { 'server.port': 9002 },
      }),
      // payment answered probe 2's call in probe 1's trace, as a child of probe 1's call.
      span('payment', 'server', 'p000000000000011', 'c000000000000002', [1511, 1579], {
        attributes: { 'server.port': 9002 },
      }),
    );
    const verification = verify(spans, {}, [probe, second]);
    assert.deepEqual(
      verification.probes.map((p) => p.passed),
      [false, false],
    );
    assert.ok(
      verification.probes[0]!.findings.some((f) => f.check === 'context_isolated' && !f.passed),
    );
    assert.match(
      verification.probes[0]!.diagnoses.join('\n'),
      /joined this probe's trace after the work it continues had ended; it belongs to probe 2/,
    );
    assert.match(
      verification.probes[1]!.diagnoses.join('\n'),
      /^checkout -> payment \(.*\): payment answered this call in probe 1's trace, not this probe's/m,
    );
  });

  test("deferred work that lost its context after the answer is the service's", () => {
    const spans = healthy();
    spans.push(
      span('checkout', 'client', 'c0000000000000f1', undefined, [1120, 1130], {
        traceId: OTHER_TRACE,
        attributes: { 'url.full': 'http://127.0.0.1:9002/audit', 'server.port': 9002 },
      }),
      span('payment', 'server', 'p0000000000000f1', 'c0000000000000f1', [1121, 1129], {
        traceId: OTHER_TRACE,
      }),
    );
    const verification = verify(spans);
    assert.deepEqual(verification.failedChecks, ['no_new_roots']);
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      /^checkout \(http:\/\/127\.0\.0\.1:9002\/audit\): checkout began this client span in a new trace after answering the probe's request/,
    );
  });
});

describe('span ids', () => {
  test('the same id from two services fails; a span exported twice by one does not', () => {
    const twice = [...healthy(), { ...healthy()[2]!, endTimeMs: 1085 }];
    assert.deepEqual(verify(twice).failedChecks, []);
    const collided = [
      ...healthy(),
      span('ledger', 'internal', 'p000000000000001', 'c000000000000001', [1020, 1030]),
    ];
    const verification = verify(collided);
    assert.deepEqual(verification.failedChecks, ['span_ids_unique']);
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      /^payment, ledger: each exported span id p000000000000001/,
    );
    assert.ok(!verification.sample.edges.some((e) => e.from === e.to));
  });

  test('span_ids_unique names at most 5 ids and 5 services each, and counts the rest', () => {
    // 12 ids, each also exported by 9 other services: the finding stays a line, not a list.
    const collided = [...healthy()];
    for (let id = 0; id < 12; id += 1) {
      const spanId = `e${id.toString(16).padStart(15, '0')}`;
      collided.push(span('checkout', 'internal', spanId, 'c000000000000001', [1002, 1003]));
      for (let other = 0; other < 9; other += 1)
        collided.push(span(`svc-${other}`, 'internal', spanId, 'c000000000000001', [1002, 1003]));
    }
    const verification = verify(collided);
    assert.deepEqual(verification.failedChecks, ['span_ids_unique']);
    const finding = verification.sample.findings.find((f) => f.check === 'span_ids_unique')!;
    assert.equal(
      finding.observed,
      [0, 1, 2, 3, 4]
        .map(
          (id) =>
            `e${id.toString(16).padStart(15, '0')}: checkout, svc-0, svc-1, svc-2, svc-3 and 5 more`,
        )
        .join('; ') + '; and 7 more duplicate span ids',
    );
    assert.equal(verification.sample.diagnoses.length, 5);
    assert.match(
      verification.sample.diagnoses[4]!,
      /^checkout, svc-0, svc-1, svc-2, svc-3 and 5 more: /,
    );
  });
});

void PROBE_SPAN;
