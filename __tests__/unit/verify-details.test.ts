// The self-test verifier's findings in full: which request is the sample, what a request keeps
// once counted, and the exact observed values of the request-wide checks, for span sets where
// each rule decides alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding, HopEvidence, SpanRecord } from '../../src/verify/types';
import { verifyPropagation } from '../../src/verify/header-checks/requests';
import {
  A_CLIENT,
  A_SERVER,
  B_SERVER,
  TRACE_A,
  TRACE_B,
  brokenHop,
  healthyHop,
  input,
  request,
  span,
} from '../helpers/spans';

const PROBE_SPAN = '9999999999999999';

function finding(findings: readonly Finding[], check: string): Finding {
  const found = findings.find((f) => f.check === check);
  assert.ok(found, `${check} in ${findings.map((f) => f.check).join()}`);
  return found;
}

/** Request `index` of a healthy hop, with its own trace and span ids. */
function healthyRequest(index: number) {
  const trace = index.toString(16).padStart(32, 'c');
  const id = (n: number): string => `${index}${n}`.padStart(16, 'd');
  const { hop } = healthyHop();
  const spans = [
    span('service-a', 'server', id(1), undefined, trace),
    span('service-a', 'client', id(2), id(1), trace, { 'server.port': hop.calleePort }),
    span('service-b', 'server', id(3), id(2), trace),
  ];
  const evidence: HopEvidence = {
    ...hop,
    headers: { traceparent: `00-${trace}-${id(2)}-01` },
    callerReport: { ...hop.callerReport, traceId: trace, spanId: id(1) },
    calleeReport: { ...hop.calleeReport, traceId: trace, spanId: id(3), parentSpanId: id(2) },
  };
  return { spans, request: request(evidence, { index }) };
}

describe('the sample and the digest of each request', () => {
  test('all pass: the first request is the sample; passed requests keep nothing', () => {
    const one = healthyRequest(1);
    const two = healthyRequest(2);
    const verification = verifyPropagation(
      input([one.request, two.request], [...one.spans, ...two.spans]),
    );
    assert.equal(verification.sample.index, 1);
    assert.deepEqual(verification.failedChecks, []);
    for (const digest of verification.requests) {
      assert.equal(digest.passed, true);
      assert.deepEqual(
        [digest.findings, digest.hops, digest.brokenEdges, digest.spans, digest.evidence.hops],
        [[], [], [], [], []],
      );
    }
    // The sample is kept whole.
    assert.equal(verification.sample.findings.length, 7);
    assert.equal(verification.sample.spans.length, 3);
  });

  test('a request failing only a request-wide check is the sample when no hop broke', () => {
    const one = healthyRequest(1);
    const two = healthyRequest(2);
    // A stray root in request 2's trace: single_root fails, every hop holds.
    const stray = span(
      'service-b',
      'internal',
      'eeeeeeeeeeeeeeee',
      undefined,
      two.spans[0]!.traceId,
    );
    const verification = verifyPropagation(
      input([one.request, two.request], [...one.spans, ...two.spans, stray]),
    );
    assert.equal(verification.sample.index, 2);
    assert.deepEqual(verification.failedChecks, ['single_root']);
    const digest = verification.requests[1]!;
    assert.deepEqual(
      digest.findings.map((f) => f.check),
      ['single_root'],
    );
    assert.deepEqual(digest.hops, []);
    assert.equal(digest.spans.length, 4);
  });

  test('a request with a broken hop is the sample, before an earlier one that failed otherwise', () => {
    const one = healthyRequest(1);
    const stray = span(
      'service-b',
      'internal',
      'eeeeeeeeeeeeeeee',
      undefined,
      one.spans[0]!.traceId,
    );
    const broken = brokenHop();
    const three = request(broken.hop, { index: 3 });
    const verification = verifyPropagation(
      input([one.request, three], [...one.spans, stray, ...broken.spans]),
    );
    assert.equal(verification.sample.index, 3);
    assert.deepEqual(
      verification.requests.map((r) => r.passed),
      [false, false],
    );
    const digest = verification.requests[1]!;
    assert.ok(digest.findings.every((f) => !f.passed));
    assert.deepEqual(
      digest.hops.map((h) => [h.hop, h.passed]),
      [[1, false]],
    );
    assert.deepEqual(digest.brokenEdges, []);
    assert.deepEqual(digest.evidence.hops, []);
  });

  test('a request of no hops has no trace and checks no hop', () => {
    const verification = verifyPropagation(input([request(healthyHop().hop, { hops: [] })], []));
    assert.equal(verification.sample.traceId, '');
    assert.deepEqual(verification.hops, []);
  });
});

describe('entry_joined, in full', () => {
  const probe = { traceId: TRACE_A, spanId: PROBE_SPAN, sampled: true, tracestate: undefined };

  function entryJoined(
    report: { traceId: string; parentSpanId: string | undefined },
    sampled: boolean,
  ): Finding {
    const { spans, hop } = healthyHop();
    hop.callerReport = { ...hop.callerReport, ...report };
    const verification = verifyPropagation(
      input([request(hop, { incoming: { ...probe, sampled } })], sampled ? spans : []),
    );
    return finding(verification.sample.findings, 'entry_joined');
  }

  test('sampled and joined', () => {
    assert.deepEqual(entryJoined({ traceId: TRACE_A, parentSpanId: PROBE_SPAN }, true), {
      check: 'entry_joined',
      hop: undefined,
      title: "service-a joined the probe's trace as a child of the probe span",
      expected: `trace ${TRACE_A}, parent ${PROBE_SPAN}`,
      observed: `trace ${TRACE_A}, parent ${PROBE_SPAN}`,
      passed: true,
    });
  });

  test('sampled, right trace, no parent: not joined', () => {
    const result = entryJoined({ traceId: TRACE_A, parentSpanId: undefined }, true);
    assert.equal(result.observed, `trace ${TRACE_A}, parent (none)`);
    assert.equal(result.passed, false);
  });

  test('sampled, right parent, other trace: not joined', () => {
    assert.equal(entryJoined({ traceId: TRACE_B, parentSpanId: PROBE_SPAN }, true).passed, false);
  });

  test('unsampled: the trace alone decides (no span records the parent)', () => {
    assert.deepEqual(entryJoined({ traceId: TRACE_A, parentSpanId: undefined }, false), {
      check: 'entry_joined',
      hop: undefined,
      title: "service-a joined the probe's trace",
      expected: `trace ${TRACE_A}`,
      observed: `trace ${TRACE_A}`,
      passed: true,
    });
    assert.equal(entryJoined({ traceId: TRACE_B, parentSpanId: undefined }, false).passed, false);
  });
});

describe('tracestate_propagated, in full', () => {
  const probe = { traceId: TRACE_A, spanId: PROBE_SPAN, sampled: true, tracestate: 'v=1,w=2' };

  /** service-a -> service-b -> service-c, with the tracestate each callee received. */
  function twoHops(first: string | undefined, second: string | undefined): HopEvidence[] {
    const { hop } = healthyHop();
    const withState = (h: HopEvidence, state: string | undefined): HopEvidence => {
      const headers: Record<string, string> = { ...h.headers };
      if (state !== undefined) headers['tracestate'] = state;
      return { ...h, headers };
    };
    return [
      withState(hop, first),
      withState({ ...hop, caller: 'service-b', callee: 'service-c' }, second),
    ];
  }

  function tracestate(hops: HopEvidence[], formats: ('tracecontext' | 'b3')[] = ['tracecontext']) {
    const verification = verifyPropagation(
      input([{ ...request(hops[0]!, { incoming: probe }), hops }], [], formats),
    );
    return finding(verification.sample.findings, 'tracestate_propagated');
  }

  test('empty members and spaces are not changes', () => {
    const result = tracestate(twoHops('v=1, w=2', ',v=1,,w=2 '));
    assert.equal(result.passed, true);
    assert.equal(result.observed, ',v=1,,w=2 ');
    assert.equal(result.title, 'tracestate arrives unchanged at service-c');
    assert.equal(result.expected, 'v=1,w=2');
  });

  test('lost at the second hop: named with its hop, no propagator hint', () => {
    assert.deepEqual(tracestate(twoHops('v=1,w=2', undefined)), {
      check: 'tracestate_propagated',
      hop: undefined,
      title: 'tracestate arrives unchanged at service-c',
      expected: 'v=1,w=2',
      observed: '(none) at service-c (hop 2)',
      passed: false,
    });
  });

  test('changed at the first hop with b3 listed first: no hint (tracecontext is last)', () => {
    assert.equal(
      tracestate(twoHops('v=9', 'v=9'), ['b3', 'tracecontext']).observed,
      'v=9 at service-b (hop 1)',
    );
  });

  test('nothing arrived at the last hop, none expected there either', () => {
    const hops = twoHops('v=1,w=2', undefined);
    const verification = verifyPropagation(
      input([{ ...request(hops[0]!, { incoming: { ...probe, tracestate: '' } }), hops }], []),
    );
    const result = finding(verification.sample.findings, 'tracestate_propagated');
    assert.equal(result.passed, false);
    assert.equal(result.observed, 'v=1,w=2 at service-b (hop 1)');
  });
});

describe('baggage_propagated, in full', () => {
  test('no baggage header at all', () => {
    const { spans, hop } = healthyHop();
    const verification = verifyPropagation(
      input([request(hop, { baggage: { key: 'k', value: 'v' } })], spans),
    );
    assert.deepEqual(finding(verification.sample.findings, 'baggage_propagated'), {
      check: 'baggage_propagated',
      hop: undefined,
      title: 'baggage set at service-a arrives at service-b',
      expected: 'k=v',
      observed: 'missing at service-b (hop 1; baggage header: (none))',
      passed: false,
    });
  });

  test('arrived', () => {
    const { spans, hop } = healthyHop();
    hop.headers['baggage'] = 'k=v';
    const verification = verifyPropagation(
      input([request(hop, { baggage: { key: 'k', value: 'v' } })], spans),
    );
    assert.equal(
      finding(verification.sample.findings, 'baggage_propagated').observed,
      'k=v at service-b',
    );
  });
});

describe('single_trace, single_root and isolated, in full', () => {
  function traceFindings(spans: SpanRecord[], hop = healthyHop().hop) {
    const verification = verifyPropagation(input([request(hop)], spans));
    return ['single_trace', 'single_root', 'isolated'].map((check) =>
      finding(verification.sample.findings, check),
    );
  }

  test('healthy', () => {
    const [trace, root, isolated] = traceFindings(healthyHop().spans);
    assert.deepEqual(
      [trace!.observed, trace!.passed, trace!.expected],
      [`1 trace (${TRACE_A})`, true, `1 trace (${TRACE_A})`],
    );
    assert.deepEqual(
      [root!.observed, root!.passed, root!.title, root!.expected],
      [
        `1 root: service-a: GET /service-a (${A_SERVER})`,
        true,
        "one root span: service-a's server span, a root",
        '1 root (service-a server span)',
      ],
    );
    assert.deepEqual([isolated!.observed, isolated!.passed], ['0 foreign server spans', true]);
  });

  test('no spans at all: 0 traces, 0 roots', () => {
    const [trace, root] = traceFindings([]);
    assert.deepEqual([trace!.observed, trace!.passed], ['0 traces ((none))', false]);
    assert.deepEqual([root!.observed, root!.passed], ['0 roots', false]);
  });

  test('two traces: both listed, the entry first', () => {
    const { spans, hop } = brokenHop();
    const [trace, root] = traceFindings(spans, hop);
    assert.deepEqual(
      [trace!.observed, trace!.passed],
      [`2 traces (${TRACE_A}, ${TRACE_B})`, false],
    );
    assert.equal(
      root!.observed,
      `2 roots: service-a: GET /service-a (${A_SERVER}); service-b: GET /service-b (${B_SERVER})`,
    );
  });

  test("one trace, not the entry's", () => {
    const { hop } = healthyHop();
    const spans = healthyHop().spans.map((s) => ({ ...s, traceId: TRACE_B }));
    const reported = {
      ...hop,
      calleeReport: { ...hop.calleeReport, traceId: TRACE_B },
      callerReport: { ...hop.callerReport, traceId: TRACE_A },
    };
    const verification = verifyPropagation(input([request(reported)], spans));
    const trace = finding(verification.sample.findings, 'single_trace');
    assert.deepEqual([trace.observed, trace.passed], [`1 trace (${TRACE_B})`, false]);
  });

  test('the one root is not the entry service, or not a server span', () => {
    const { spans } = healthyHop();
    const notEntry = [span('service-b', 'server', A_SERVER, undefined), spans[1]!, spans[2]!];
    assert.equal(traceFindings(notEntry)[1]!.passed, false);
    const internal = [span('service-a', 'internal', A_SERVER, undefined), spans[1]!, spans[2]!];
    assert.equal(traceFindings(internal)[1]!.passed, false);
  });

  test('a server span of another request: named with its request', () => {
    const one = healthyRequest(1);
    const two = healthyRequest(2);
    // Request 2's callee server span exported in request 1's trace.
    const intruder = { ...two.spans[2]!, traceId: one.spans[0]!.traceId };
    const verification = verifyPropagation(
      input([one.request, two.request], [...one.spans, intruder, ...two.spans.slice(0, 2)]),
    );
    const isolated = finding(verification.requests[0]!.findings, 'isolated');
    assert.deepEqual(
      [isolated.observed, isolated.passed],
      [`1: service-b: GET /service-b (${intruder.spanId}) of request 2`, false],
    );
  });
});

void A_CLIENT;
