import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unprovenFault } from '../../src/report/self-test-result';
import { runWideFields, seedFields } from '../../src/verify/header-checks/seed-fields';
import type { Verification } from '../../src/verify/types';
import { verifyPropagation } from '../../src/verify/header-checks/requests';
import {
  A_CLIENT,
  A_SERVER,
  B_PORT,
  B_SERVER,
  TRACE_A,
  TRACE_B,
  brokenHop,
  healthyHop,
  input,
  request,
  span,
} from '../helpers/spans';

function failed(verification: Verification): string[] {
  return verification.checks.filter((c) => c.failed > 0).map((c) => c.check);
}

function diagnosis(verification: Verification): string {
  return verification.sample.hops[0]?.diagnosis ?? '';
}

describe('verifyPropagation: one hop, one request', () => {
  test('a healthy hop passes every check', () => {
    const { spans, hop } = healthyHop();
    const verification = verifyPropagation(input([request(hop)], spans));
    assert.deepEqual(failed(verification), []);
    assert.equal(verification.passed, true);
    assert.equal(verification.sample.traceId, TRACE_A);
    assert.deepEqual(verification.sample.brokenEdges, []);
    assert.equal(verification.sample.hops[0]?.callerClientSpanId, A_CLIENT);
    assert.deepEqual(
      verification.checks.map((c) => c.check),
      [
        'same_trace',
        'traceparent_valid',
        'parent_matches_traceparent',
        'parent_is_caller_client_span',
        'single_trace',
        'single_root',
        'isolated',
      ],
    );
  });

  test('no propagator configured: B roots a new trace and the diagnosis says why', () => {
    const { spans, hop } = brokenHop();
    const verification = verifyPropagation(input([request(hop)], spans, ['tracecontext'], false));
    assert.equal(verification.passed, false);
    assert.deepEqual(failed(verification), [
      'same_trace',
      'traceparent_valid',
      'parent_matches_traceparent',
      'parent_is_caller_client_span',
      'single_trace',
      'single_root',
    ]);
    assert.deepEqual(verification.sample.brokenEdges, [
      { hop: 1, fromSpanId: A_CLIENT, toSpanId: B_SERVER },
    ]);
    assert.equal(
      diagnosis(verification),
      `service-a -> service-b (GET http://127.0.0.1:${B_PORT}/work): service-b started a new trace; no traceparent header arrived: no trace-context propagator is configured, so nothing injects one.`,
    );
  });

  test('a header dropped between client span and server (strip-header)', () => {
    const { spans, hop } = brokenHop();
    const verification = verifyPropagation(input([request(hop)], spans));
    assert.match(
      diagnosis(verification),
      /no traceparent header arrived although service-a made client span 2222222222222222 for the call: something between them dropped the header/,
    );
  });

  test("no header and no client span: the caller's client is not instrumented", () => {
    const { spans, hop } = brokenHop();
    const verification = verifyPropagation(input([request(hop)], [spans[0]!, spans[2]!]));
    assert.match(
      diagnosis(verification),
      /service-a exported no client span for the call: its HTTP client is not instrumented/,
    );
  });

  test('another format arrived instead: propagator mismatch', () => {
    const { spans, hop } = brokenHop({ b3: `${TRACE_A}-${A_CLIENT}-1` });
    const verification = verifyPropagation(input([request(hop)], spans));
    assert.match(
      diagnosis(verification),
      /no traceparent header arrived, but b3 did: service-a injects a different format than service-b extracts \(propagator mismatch\)/,
    );
  });

  test('a valid header that B did not continue (ignore-context)', () => {
    const { spans, hop } = brokenHop({ traceparent: `00-${TRACE_A}-${A_CLIENT}-01` });
    const verification = verifyPropagation(input([request(hop)], spans));
    assert.ok(!failed(verification).includes('traceparent_valid'));
    assert.ok(failed(verification).includes('parent_matches_traceparent'));
    assert.match(
      diagnosis(verification),
      /the traceparent header arrived but service-b did not continue it/,
    );
  });

  test("a malformed header is diagnosed with the parser's reason", () => {
    const { spans, hop } = brokenHop({ traceparent: `00-${TRACE_A.toUpperCase()}-${A_CLIENT}-01` });
    const verification = verifyPropagation(input([request(hop)], spans));
    assert.ok(failed(verification).includes('traceparent_valid'));
    assert.match(diagnosis(verification), /malformed \(trace-id is not 32 lower-case hex digits\)/);
  });

  test("a header whose parent id is not the caller's client span fails the span link", () => {
    const proxy = 'abababababababab';
    const { spans, hop } = healthyHop();
    spans[2] = span('service-b', 'server', B_SERVER, proxy);
    hop.headers = { traceparent: `00-${TRACE_A}-${proxy}-01` };
    hop.calleeReport = { ...hop.calleeReport, parentSpanId: proxy };
    const verification = verifyPropagation(input([request(hop)], spans));
    assert.deepEqual(failed(verification), ['parent_is_caller_client_span']);
    assert.match(diagnosis(verification), /is not service-a's client span 2222222222222222/);
  });

  test("a stray root in the request's trace fails single_root, not the hop", () => {
    const { spans, hop } = healthyHop();
    spans.push(span('service-b', 'internal', '4444444444444444', undefined));
    const verification = verifyPropagation(input([request(hop)], spans));
    assert.deepEqual(failed(verification), ['single_root']);
    assert.equal(verification.sample.hops[0]?.passed, true);
  });

  test('b3 single header: parent read from its span id field', () => {
    const { spans, hop } = healthyHop();
    hop.headers = { b3: `${TRACE_A}-${A_CLIENT}-1` };
    const verification = verifyPropagation(input([request(hop)], spans, ['b3']));
    assert.deepEqual(failed(verification), []);
    assert.ok(verification.checks.some((c) => c.check === 'parent_matches_b3'));
  });

  test('every configured format is checked: a b3multi header naming another parent fails', () => {
    const { spans, hop } = healthyHop();
    hop.headers = {
      ...hop.headers,
      'x-b3-traceid': TRACE_A,
      'x-b3-spanid': 'cdcdcdcdcdcdcdcd',
    };
    const verification = verifyPropagation(
      input([request(hop)], spans, ['tracecontext', 'b3multi']),
    );
    assert.deepEqual(failed(verification), ['parent_matches_x_b3']);
  });
});

describe('verifyPropagation: baggage and incoming context', () => {
  const entry = { key: 'propagation_check.probe', value: 'v1' };

  test('baggage that arrives passes, baggage lost fails', () => {
    const { spans, hop } = healthyHop();
    hop.headers.baggage = 'other=1,propagation_check.probe=v1;prop=x';
    assert.deepEqual(
      failed(verifyPropagation(input([request(hop, { baggage: entry })], spans))),
      [],
    );
    hop.headers.baggage = 'other=1';
    const lost = verifyPropagation(input([request(hop, { baggage: entry })], spans));
    assert.deepEqual(failed(lost), ['baggage_propagated']);
    assert.match(
      lost.checks.find((c) => c.check === 'baggage_propagated')!.observed,
      /missing at service-b \(hop 1/,
    );
  });

  test("another request's baggage is named as such, not as missing", () => {
    const { spans, hop } = healthyHop();
    hop.headers.baggage = 'propagation_check.probe=v7';
    const other = { key: entry.key, value: 'v7' };
    const leaked = verifyPropagation(
      input([request(hop, { baggage: entry }), request(hop, { index: 7, baggage: other })], spans),
    );
    const observed = leaked.checks.find((c) => c.check === 'baggage_propagated')!.observed;
    assert.match(
      observed,
      /^request 7's baggage at service-b \(hop 1: propagation_check\.probe=v7;/,
    );
    assert.match(observed, /the context leaked between requests/);
    assert.doesNotMatch(observed, /missing/);
  });

  const probe = { traceId: TRACE_A, spanId: '9999999999999999', sampled: true, tracestate: 'v=1' };

  function joinedHop() {
    const { spans, hop } = healthyHop();
    spans[0] = span('service-a', 'server', A_SERVER, probe.spanId);
    hop.callerReport = { ...hop.callerReport, parentSpanId: probe.spanId };
    hop.headers.tracestate = 'v=1';
    return { spans, hop };
  }

  test('a sampled incoming context: joined, tracestate intact, root is the child of the probe', () => {
    const { spans, hop } = joinedHop();
    const verification = verifyPropagation(input([request(hop, { incoming: probe })], spans));
    assert.deepEqual(failed(verification), []);
    for (const check of ['entry_joined', 'tracestate_propagated', 'sampled_flag_propagated']) {
      assert.ok(
        verification.checks.some((c) => c.check === check),
        check,
      );
    }
  });

  test('an entry service that ignored the incoming context fails entry_joined', () => {
    const { spans, hop } = joinedHop();
    hop.callerReport = { ...hop.callerReport, parentSpanId: undefined, traceId: TRACE_B };
    const verification = verifyPropagation(input([request(hop, { incoming: probe })], spans));
    assert.ok(failed(verification).includes('entry_joined'));
  });

  test('tracestate changed on the way fails tracestate_propagated', () => {
    const { spans, hop } = joinedHop();
    hop.headers.tracestate = 'v=2';
    const verification = verifyPropagation(input([request(hop, { incoming: probe })], spans));
    assert.deepEqual(failed(verification), ['tracestate_propagated']);
  });

  test('a tracestate lost to a later propagator says so', () => {
    const { spans, hop } = joinedHop();
    delete hop.headers.tracestate;
    hop.headers.b3 = `${TRACE_A}-${A_CLIENT}-1`;
    const verification = verifyPropagation(
      input([request(hop, { incoming: probe })], spans, ['tracecontext', 'b3']),
    );
    assert.deepEqual(failed(verification), ['tracestate_propagated']);
    assert.match(
      verification.checks.find((c) => c.check === 'tracestate_propagated')!.observed,
      /b3 is listed after tracecontext, .* list tracecontext last$/,
    );
  });

  test('tracestate members compare without the spaces W3C allows around them', () => {
    const { spans, hop } = joinedHop();
    hop.headers.tracestate = 'v=1';
    const spaced = { ...probe, tracestate: ' v=1 ' };
    assert.deepEqual(
      failed(verifyPropagation(input([request(hop, { incoming: spaced })], spans))),
      [],
    );
  });

  test('unsampled, no header: both causes are named, since no span can tell them apart', () => {
    const unsampled = { ...probe, sampled: false, tracestate: undefined };
    const { hop } = brokenHop();
    hop.callerReport = { ...hop.callerReport, parentSpanId: undefined };
    const verification = verifyPropagation(input([request(hop, { incoming: unsampled })], []));
    assert.match(
      diagnosis(verification),
      /no traceparent header arrived: something between them dropped it, or service-a's HTTP client is not instrumented \(with an unsampled context/,
    );
  });

  test('empty reported ids are not the same trace', () => {
    const { spans, hop } = healthyHop();
    hop.callerReport = { ...hop.callerReport, traceId: '' };
    hop.calleeReport = { ...hop.calleeReport, traceId: '' };
    assert.ok(failed(verifyPropagation(input([request(hop)], spans))).includes('same_trace'));
  });

  test('unsampled: no spans, only the headers are checked, and a lost flag fails', () => {
    const unsampled = { ...probe, sampled: false, tracestate: undefined };
    const { hop } = healthyHop();
    hop.headers = { traceparent: `00-${TRACE_A}-${A_CLIENT}-00` };
    hop.callerReport = { ...hop.callerReport, parentSpanId: undefined };
    hop.calleeReport = { ...hop.calleeReport, parentSpanId: undefined };
    const ok = verifyPropagation(input([request(hop, { incoming: unsampled })], []));
    assert.deepEqual(failed(ok), []);
    assert.deepEqual(
      ok.checks.map((c) => c.check),
      ['same_trace', 'traceparent_valid', 'sampled_flag_propagated', 'entry_joined'],
    );
    hop.headers = { traceparent: `00-${TRACE_A}-${A_CLIENT}-01` };
    assert.deepEqual(
      failed(verifyPropagation(input([request(hop, { incoming: unsampled })], []))),
      ['sampled_flag_propagated'],
    );
  });
});

describe('verifyPropagation: many requests', () => {
  test('counts per check and per hop, and the sample is the first request with a broken hop', () => {
    const good = healthyHop();
    const bad = brokenHop();
    const second = {
      ...bad.hop,
      callerReport: {
        ...bad.hop.callerReport,
        traceId: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
        spanId: '5555555555555555',
      },
      calleeReport: {
        ...bad.hop.calleeReport,
        traceId: 'cccccccccccccccccccccccccccccccc',
        spanId: '6666666666666666',
      },
    };
    const verification = verifyPropagation(
      input(
        [request(good.hop), request(second, { index: 2 })],
        [
          ...good.spans,
          span(
            'service-a',
            'server',
            '5555555555555555',
            undefined,
            'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
          ),
          span(
            'service-b',
            'server',
            '6666666666666666',
            undefined,
            'cccccccccccccccccccccccccccccccc',
          ),
        ],
      ),
    );
    assert.equal(verification.passed, false);
    assert.equal(verification.sample.index, 2);
    const sameTrace = verification.checks.find((c) => c.check === 'same_trace')!;
    assert.deepEqual([sameTrace.passed, sameTrace.failed], [1, 1]);
    assert.deepEqual(
      verification.hops.map((h) => [h.passed, h.failed]),
      [[1, 1]],
    );
  });

  test("a server span of one request inside another request's trace fails isolation", () => {
    // Request 2's B continued request 1's trace: its context leaked across requests.
    const { spans, hop } = healthyHop();
    const leaked = {
      ...hop,
      callerReport: { ...hop.callerReport, traceId: TRACE_B, spanId: '5555555555555555' },
      calleeReport: { ...hop.calleeReport, spanId: '7777777777777777' },
    };
    const verification = verifyPropagation(
      input(
        [request(hop), request(leaked, { index: 2 })],
        [
          ...spans,
          span('service-a', 'server', '5555555555555555', undefined, TRACE_B),
          span('service-b', 'server', '7777777777777777', A_CLIENT),
        ],
      ),
    );
    const first = verification.requests[0]!;
    assert.equal(first.findings.find((f) => f.check === 'isolated')?.passed, false);
    assert.match(first.findings.find((f) => f.check === 'isolated')!.observed, /of request 2/);
    assert.equal(
      verification.requests[1]!.findings.find((f) => f.check === 'same_trace')?.passed,
      false,
    );
  });
});

describe('seedFields', () => {
  test('a healthy hop', () => {
    assert.deepEqual(seedFields(healthyHop().hop), {
      same_trace: true,
      service_a_trace_id: TRACE_A,
      service_b_trace_id: TRACE_A,
      traceparent_header: `00-${TRACE_A}-${A_CLIENT}-01`,
      traceparent_parent_span_id: A_CLIENT,
      service_b_parent_span_id: A_CLIENT,
      parent_matches_traceparent: true,
    });
  });

  test('no header: parent_matches_traceparent is false, not null == null', () => {
    const fields = seedFields(brokenHop().hop);
    assert.equal(fields.same_trace, false);
    assert.equal(fields.traceparent_header, null);
    assert.equal(fields.traceparent_parent_span_id, null);
    assert.equal(fields.service_b_parent_span_id, null);
    assert.equal(fields.parent_matches_traceparent, false);
  });
});

describe('run-wide fields and negative controls', () => {
  const row = (check: string, hop: number | undefined, failed: number) => ({
    check,
    hop,
    title: '',
    expected: '',
    observed: '',
    passed: 3 - failed,
    failed,
  });

  test('every hop must hold for the run-wide fields; with no parent check, headers decide', () => {
    const held = [row('same_trace', 1, 0), row('traceparent_valid', 1, 0)];
    assert.deepEqual(runWideFields([...held, row('parent_matches_traceparent', 1, 0)]), {
      every_hop_same_trace: true,
      every_hop_parent_matches: true,
    });
    assert.deepEqual(
      runWideFields([
        ...held,
        row('parent_matches_traceparent', 1, 0),
        row('same_trace', 2, 1),
        row('parent_matches_b3', 2, 1),
      ]),
      { every_hop_same_trace: false, every_hop_parent_matches: false },
    );
    // Unsampled: no spans, so no parent check: the headers must all have arrived valid.
    assert.equal(runWideFields(held).every_hop_parent_matches, true);
    assert.equal(
      runWideFields([...held, row('traceparent_valid', 2, 2)]).every_hop_parent_matches,
      false,
    );
    assert.equal(runWideFields([]).every_hop_same_trace, false, 'no check ran: not true');
  });

  test('a fault proves something only when its hop broke, and only it', () => {
    const hop = (number: number, failed: number) => ({
      hop: number,
      caller: '',
      callee: '',
      passed: 1 - failed,
      failed,
      diagnosis: undefined,
    });
    const fault = { kind: 'strip-header' as const, hop: 2 };
    assert.equal(unprovenFault(fault, [hop(1, 0), hop(2, 1), hop(3, 0)]), undefined);
    assert.match(unprovenFault(fault, [hop(1, 0), hop(2, 0), hop(3, 0)]) ?? '', /^not at hop 2/);
    assert.equal(
      unprovenFault(fault, [hop(1, 1), hop(2, 1), hop(3, 1)]),
      'hops 1, 3 broke as well as hop 2, where the fault strip-header was set',
    );
    assert.equal(unprovenFault(undefined, [hop(1, 1)]), undefined);
  });
});
