// The attribution rules (src/verify/attribution.ts) and leaks (src/verify/leaks.ts), one by one:
// each rule's preference driven both ways.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, PROBE_SPAN, probe, span, verify, second } from '../helpers/target-spans';

const ROOT_TRACE = '33333333333333333333333333333333';

/** checkout's server span and two unanswered calls, to ports 9002 and 9003. */
function twoCalls(): SpanRecord[] {
  return [
    span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090]),
    span('checkout', 'client', 'c000000000000002', 'c000000000000001', [1010, 1080], {
      attributes: { 'url.full': 'http://127.0.0.1:9002/pay', 'server.port': 9002 },
    }),
    span('checkout', 'client', 'c000000000000003', 'c000000000000001', [1012, 1080], {
      attributes: { 'url.full': 'http://127.0.0.1:9003/post', 'server.port': 9003 },
    }),
  ];
}

function root(
  service: string,
  at: number,
  attributes: SpanRecord['attributes'] = {},
  kind: SpanRecord['kind'] = 'server',
): SpanRecord {
  return span(service, kind, `${service[0]}00000000000000r`.slice(0, 16), undefined, [at, at + 5], {
    traceId: ROOT_TRACE,
    attributes,
  });
}

/** A deferred call of checkout's in a new trace, answered there by audit. */
function deferred(at: number): SpanRecord[] {
  return [
    root('checkout', at, { 'url.full': 'http://127.0.0.1:9005/audit' }, 'client'),
    span('audit', 'server', 'a00000000000000r', 'c00000000000000r', [at + 1, at + 4], {
      traceId: ROOT_TRACE,
    }),
  ];
}

describe('attribution rules', () => {
  test('1. the call to the port the root listened on wins over a nearer call', () => {
    const spans = [...twoCalls(), root('payment', 1012, { 'server.port': 9002 })];
    const first = verify(spans).sample.diagnoses.join('\n');
    assert.match(
      first,
      /^checkout -> payment \(http:\/\/127\.0\.0\.1:9002\/pay\): payment started a new trace/m,
    );
  });

  test('2. without ports, the call whose start is nearest', () => {
    const spans = [...twoCalls(), root('ledger', 1013)];
    assert.match(
      verify(spans).sample.diagnoses.join('\n'),
      /^checkout -> ledger \(http:\/\/127\.0\.0\.1:9003\/post\): ledger started/m,
    );
  });

  test('2. not a call to a port where a known other service listens', () => {
    const spans = [
      ...twoCalls(),
      span('ledger', 'server', 'l0000000000000aa', undefined, [100, 101], {
        traceId: '4'.repeat(32),
        attributes: { 'server.port': 9003 },
      }),
      root('payment', 1013),
    ];
    assert.match(
      verify(spans).sample.diagnoses.join('\n'),
      /^checkout -> payment \(http:\/\/127\.0\.0\.1:9002\/pay\)/m,
    );
  });

  test("2. a call outside the root's time (beyond the skew) does not explain it", () => {
    const spans = [...twoCalls(), root('payment', 1500)];
    const verification = verify(spans, { maxClockSkewMs: 100 });
    assert.ok(
      !verification.failedChecks.includes('no_new_roots'),
      verification.failedChecks.join(),
    );
  });

  test('3. an uninstrumented caller: the innermost request in flight, not one awaiting a traced call', () => {
    const spans = [...healthy(), root('ledger', 1030, { 'url.path': '/post' })];
    const [diagnosis] = verify(spans).sample.diagnoses;
    assert.match(
      diagnosis ?? '',
      /^payment -> ledger \(\/post\): ledger started a new trace, and payment exported no client span/,
    );
  });

  test('3. a request of a service that exports client spans is the second choice', () => {
    const spans = healthy();
    spans[1] = { ...spans[1]!, endTimeMs: 1020 };
    spans[2] = { ...spans[2]!, startTimeMs: 1011, endTimeMs: 1019 };
    spans.push(root('ledger', 1030));
    assert.match(
      verify(spans, { maxClockSkewMs: 0 }).sample.diagnoses[0] ?? '',
      /^checkout -> ledger/,
    );
    // Within the skew, payment's request (a service with no client spans) is preferred.
    assert.match(verify(spans).sample.diagnoses[0] ?? '', /^payment -> ledger/);
  });

  test("3. a root called by a request no probe sent (a readiness check) is not the probes' doing", () => {
    // Before the probe, a readiness request went checkout -> payment, and payment called ledger
    // with no client span: within the skew of the probe's payment, but inside the readiness one.
    const other = (spanId: string, kind: SpanRecord['kind'], parent: string | undefined) =>
      ({
        traceId: '44444444444444444444444444444444',
        spanId,
        parentSpanId: parent,
        kind,
      }) as const;
    const readiness: SpanRecord[] = [
      span('checkout', 'server', 'd000000000000001', undefined, [900, 960], {
        ...other('d000000000000001', 'server', undefined),
        attributes: { 'server.port': 9001 },
      }),
      span('checkout', 'client', 'd000000000000002', 'd000000000000001', [905, 955], {
        ...other('d000000000000002', 'client', 'd000000000000001'),
        attributes: { 'url.full': 'http://127.0.0.1:9002/pay', 'server.port': 9002 },
      }),
      span('payment', 'server', 'd000000000000003', 'd000000000000002', [910, 950], {
        ...other('d000000000000003', 'server', 'd000000000000002'),
        attributes: { 'server.port': 9002 },
      }),
    ];
    const spans = [
      ...healthy(),
      { ...healthy()[0]!, attributes: { 'server.port': 9001 } },
      ...readiness,
      root('ledger', 920, { 'url.path': '/post' }),
    ].slice(1);
    assert.deepEqual(verify(spans).failedChecks, []);
    // The same root inside the probe's own payment request is the probe's break.
    const inside = [...spans.slice(0, -1), root('ledger', 1030, { 'url.path': '/post' })];
    assert.match(verify(inside).sample.diagnoses[0] ?? '', /^payment -> ledger/);
  });

  test('3. a root outside every request in flight is not attributed', () => {
    const spans = [...healthy(), root('ledger', 1095)];
    assert.deepEqual(verify(spans, { maxClockSkewMs: 0 }).failedChecks, []);
  });

  test('4. deferred work long after the request is not its own', () => {
    assert.deepEqual(verify([...healthy(), ...deferred(1090 + 2002)]).failedChecks, []);
    assert.deepEqual(verify([...healthy(), ...deferred(1090 + 2000)]).failedChecks, [
      'no_new_roots',
    ]);
  });

  test('4. while serving the probe: "while serving"', () => {
    const spans = [...healthy(), ...deferred(1050)];
    assert.match(
      verify(spans).sample.diagnoses[0] ?? '',
      /in a new trace while serving the probe's request/,
    );
  });

  test("5. an internal root is not the entry's; a server root while the probe ran is", () => {
    const lostEntry = healthy()
      .slice(0, 1)
      .map((s) => ({ ...s, traceId: ROOT_TRACE, parentSpanId: undefined }));
    assert.match(
      verify(lostEntry).sample.diagnoses[0] ?? '',
      /^probe -> checkout \(GET\): checkout started a new trace/,
    );
    const internal = lostEntry.map((s) => ({ ...s, kind: 'internal' as const }));
    assert.match(
      verify(internal).sample.diagnoses[0] ?? '',
      /^probe -> target: no span joined the probe's trace/,
    );
    const noContext = verify(lostEntry, { probeSentContext: false });
    assert.match(noContext.sample.diagnoses[0] ?? '', /the probe sent no trace context/);
  });

  test('5. a probe that got no answer is given no root', () => {
    const lostEntry = healthy()
      .slice(0, 1)
      .map((s) => ({ ...s, traceId: ROOT_TRACE, parentSpanId: undefined }));
    const verification = verify(lostEntry, {
      probes: [{ ...probe, status: undefined, error: 'reset' }],
    });
    assert.ok(!verification.failedChecks.includes('no_new_roots'));
  });

  test('a missing expected service whose spans broke off is told so', () => {
    const spans = healthy();
    spans[2] = { ...spans[2]!, traceId: ROOT_TRACE, parentSpanId: undefined };
    const verification = verify(spans, { expectServices: ['checkout', 'payment'] });
    assert.match(
      verification.sample.diagnoses.join('\n'),
      /^payment is not in the probe's trace: its spans are in a trace that broke off/m,
    );
  });
});

describe("breaks of requests that are no probe's", () => {
  test("0. a break caused by a wait-for request just before the probe is not the probe's", () => {
    const waitFor = '7'.repeat(32);
    const spans = [
      ...twoCalls(),
      span('ledger', 'server', 'l000000000000001', 'c000000000000003', [1013, 1079], {
        attributes: { 'server.port': 9003 },
      }),
      root('payment', 1012, { 'server.port': 9002 }),
      // The wait-for request: checkout called payment (which dropped the context) just before.
      span('checkout', 'server', 'w000000000000001', undefined, [760, 990], { traceId: waitFor }),
      span('checkout', 'client', 'w000000000000002', 'w000000000000001', [770, 980], {
        traceId: waitFor,
        attributes: { 'server.port': 9002 },
      }),
      span('payment', 'server', 'q000000000000001', undefined, [990, 995], {
        traceId: '8'.repeat(32),
        attributes: { 'server.port': 9002 },
      }),
    ];
    const verification = verify(spans);
    const diagnoses = verification.sample.diagnoses;
    assert.equal(diagnoses.length, 1, diagnoses.join('\n'));
    assert.match(
      diagnoses[0]!,
      /^checkout -> payment \(http:\/\/127\.0\.0\.1:9002\/pay\): payment started/,
    );
  });
});

describe('breaks in a chain', () => {
  test('a break downstream of a first one is traced through the trace that broke off', () => {
    const t2 = '5'.repeat(32);
    const t3 = '6'.repeat(32);
    const spans = [
      // Listed downstream first: attribution must take them in start order.
      span('ledger', 'server', 'l000000000000001', undefined, [1030, 1040], {
        traceId: t3,
        attributes: { 'server.port': 9003 },
      }),
      span('payment', 'client', 'p000000000000002', 'p000000000000001', [1025, 1050], {
        traceId: t2,
        attributes: { 'url.full': 'http://127.0.0.1:9003/post', 'server.port': 9003 },
      }),
      span('payment', 'server', 'p000000000000001', undefined, [1011, 1079], {
        traceId: t2,
        attributes: { 'server.port': 9002 },
      }),
      ...healthy().slice(0, 2),
    ];
    const verification = verify(spans, { expectServices: ['checkout', 'payment', 'ledger'] });
    const diagnoses = verification.sample.diagnoses.join('\n');
    assert.match(
      diagnoses,
      /^checkout -> payment \(POST http:\/\/127\.0\.0\.1:9002\/pay\): payment started/m,
    );
    assert.match(
      diagnoses,
      /^payment -> ledger \(http:\/\/127\.0\.0\.1:9003\/post\): ledger started/m,
    );
    assert.ok(!verification.failedChecks.includes('no_foreign_traces'));
  });

  test('no expect-services: no expected_services_present finding at all', () => {
    const checks = verify(healthy()).sample.findings.map((f) => f.check);
    assert.ok(!checks.includes('expected_services_present'));
    assert.equal(checks.length, 11);
  });
});

describe('leaks', () => {
  function secondEntry(): SpanRecord {
    return span('checkout', 'server', 'c000000000000021', second.spanId, [1201, 1290], {
      traceId: second.traceId,
    });
  }
  const leakedCall = span(
    'checkout',
    'client',
    'c000000000000022',
    'c000000000000001',
    [1210, 1280],
    {
      attributes: { 'server.port': 9002 },
    },
  );
  const answer = span('payment', 'server', 'p000000000000022', 'c000000000000022', [1211, 1279]);

  test("a call made for probe 2 in probe 1's context fails both probes", () => {
    const spans = [...healthy(), secondEntry(), leakedCall, answer];
    const verification = verify(spans, {}, [probe, second]);
    assert.deepEqual(
      verification.probes.map((p) => p.passed),
      [false, false],
    );
    assert.match(
      verification.probes[1]!.diagnoses[0] ?? '',
      /^checkout: this probe's client span c000000000000022 \(GET\) went into the trace of probe 1/,
    );
  });

  test('the same late call, when probe 2 made its own: work after the answer', () => {
    const own = span('checkout', 'client', 'c000000000000023', 'c000000000000021', [1215, 1270], {
      traceId: second.traceId,
      attributes: { 'server.port': 9002 },
    });
    const ownAnswer = span(
      'payment',
      'server',
      'p000000000000023',
      'c000000000000023',
      [1216, 1269],
      { traceId: second.traceId },
    );
    const spans = [...healthy(), secondEntry(), own, ownAnswer, leakedCall, answer];
    const verification = verify(spans, {}, [probe, second]);
    assert.equal(verification.passed, true, verification.failedChecks.join());
  });

  test("a call in a trace that is no probe's, for a probe that made none", () => {
    const waitFor = span('checkout', 'server', 'w000000000000001', undefined, [900, 950], {
      traceId: ROOT_TRACE,
    });
    const leaked = span(
      'checkout',
      'client',
      'w000000000000002',
      'w000000000000001',
      [1010, 1080],
      { traceId: ROOT_TRACE },
    );
    const verification = verify([healthy()[0]!, waitFor, leaked]);
    assert.deepEqual(verification.failedChecks, ['context_isolated']);
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      /went into the trace of a request that was no probe/,
    );
  });
});
