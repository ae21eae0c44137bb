// The trace-graph checks the self-test shares with target mode (calls answered, one root, no
// foreign traces, parents resolved, isolation and, with an incoming context, the entry joined),
// through the verifier's one entry, verify(), fed with hand-built spans: each passes when the
// hop held and fails when propagation really broke the way it looks for.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verify } from '../../src/verify/observation';
import { verifyTarget } from '../../src/verify/target';
import type { CheckSummary, Finding, HopEvidence, SpanRecord } from '../../src/verify/types';
import {
  A_CLIENT,
  A_SERVER,
  B_PORT,
  B_SERVER,
  brokenHop,
  healthyHop,
  input,
  request,
  span,
  TRACE_A,
} from '../helpers/spans';
import { healthy as healthyTarget, probe as targetProbe } from '../helpers/target-spans';

/** A trace and a parent no service exported: what a proxy that injects its own context leaves. */
const PROXY_TRACE = 'cccccccccccccccccccccccccccccccc';
const PROXY_SPAN = 'cccccccccccccccc';

function graphFinding(findings: readonly Finding[], check: string): Finding {
  const found = findings.find((f) => f.check === check);
  assert.ok(found, `no ${check} finding in ${findings.map((f) => f.check).join(', ')}`);
  return found;
}

function verifyOne(spans: ReturnType<typeof healthyHop>['spans'], hop = healthyHop().hop) {
  return verify({ mode: 'self-test', ...input([request(hop)], spans) });
}

describe('self-test graph checks', () => {
  test('a hop that held: every call answered, no foreign trace', () => {
    const { spans, hop } = healthyHop();
    const verification = verifyOne(spans, hop);
    assert.equal(verification.passed, true);
    const findings = verification.sample.findings;
    assert.equal(graphFinding(findings, 'calls_answered').passed, true);
    assert.equal(graphFinding(findings, 'no_foreign_traces').passed, true);
    assert.deepEqual(
      verification.checks.filter((c) => c.hop === undefined).map((c) => c.check),
      [
        'single_trace',
        'single_root',
        'isolated',
        'calls_answered',
        'no_new_roots',
        'no_foreign_traces',
        'parents_resolved',
        'context_isolated',
      ],
    );
    for (const check of ['no_new_roots', 'parents_resolved', 'context_isolated']) {
      assert.equal(graphFinding(findings, check).passed, true, check);
    }
    // The probe sent no context: the entry's server span is the root and plays the probe's part.
    assert.ok(!findings.some((f) => f.check === 'entry_joined'));
  });

  test('a stripped header: the callee started a new trace, a new root', () => {
    const { spans, hop } = brokenHop();
    const verification = verifyOne(spans, hop);
    const roots = graphFinding(verification.sample.findings, 'no_new_roots');
    assert.equal(roots.passed, false);
    assert.match(
      roots.observed,
      /^service-b: GET \/service-b \(3333333333333333\) in trace a{32}$/,
    );
    assert.ok(verification.failedChecks.includes('no_new_roots'));
  });

  test('a parent id no service exported: the parent does not resolve in the trace', () => {
    const { spans, hop } = healthyHop();
    // A middleware in between rewrote the header's parent id with a span it never exported.
    const forged = 'dddddddddddddddd';
    const verification = verifyOne(
      [spans[0]!, spans[1]!, span('service-b', 'server', B_SERVER, forged)],
      {
        ...hop,
        headers: { traceparent: `00-${TRACE_A}-${forged}-01` },
        calleeReport: { ...hop.calleeReport, parentSpanId: forged },
      },
    );
    const parents = graphFinding(verification.sample.findings, 'parents_resolved');
    assert.equal(parents.passed, false);
    assert.equal(parents.observed, `service-b: GET /service-b (${B_SERVER}) -> ${forged}`);
    assert.ok(verification.failedChecks.includes('parents_resolved'));
  });

  test('the callee started a new trace: the caller client span is unanswered', () => {
    const { spans, hop } = brokenHop();
    const verification = verifyOne(spans, hop);
    const answered = graphFinding(verification.sample.findings, 'calls_answered');
    assert.equal(answered.passed, false);
    assert.match(answered.observed, /^1 unanswered call: service-a -> service-b/);
    assert.equal(graphFinding(verification.sample.findings, 'no_foreign_traces').passed, true);
    assert.ok(verification.failedChecks.includes('calls_answered'));
  });

  test('a proxy replaced the context: the callee continued a trace nobody exported', () => {
    const { spans, hop } = healthyHop();
    const foreign = span('service-b', 'server', B_SERVER, PROXY_SPAN, PROXY_TRACE);
    const verification = verifyOne([spans[0]!, spans[1]!, foreign], {
      ...hop,
      headers: { traceparent: `00-${PROXY_TRACE}-${PROXY_SPAN}-01` },
      calleeReport: { ...hop.calleeReport, traceId: PROXY_TRACE, parentSpanId: PROXY_SPAN },
    });
    const finding = graphFinding(verification.sample.findings, 'no_foreign_traces');
    assert.equal(finding.passed, false);
    assert.match(finding.observed, new RegExp(`service-b: .* in trace ${PROXY_TRACE}`));
    assert.ok(verification.failedChecks.includes('no_foreign_traces'));
  });

  test('an unsampled request records no spans: no graph check is claimed for it', () => {
    const { hop } = healthyHop();
    const verification = verify({
      mode: 'self-test',
      ...input(
        [
          request(hop, {
            incoming: {
              traceId: hop.callerReport.traceId,
              spanId: A_CLIENT,
              sampled: false,
              tracestate: undefined,
            },
          }),
        ],
        [],
      ),
    });
    const checks = verification.checks.map((c) => c.check);
    assert.ok(!checks.includes('calls_answered'), checks.join(', '));
    assert.ok(!checks.includes('no_foreign_traces'), checks.join(', '));
  });

  test('a context kept from request 1 and used for request 2: both fail isolation', () => {
    const verification = verify({ mode: 'self-test', ...leakedContext() });
    const isolated = verification.checks.find((c) => c.check === 'context_isolated');
    assert.deepEqual(summary(isolated), { passed: 0, failed: 2 });
    for (const { index, findings } of verification.requests) {
      const finding = graphFinding(findings, 'context_isolated');
      assert.match(
        finding.observed,
        /^1 leaked span: service-a: GET \(4444444444444444\)/,
        `${index}`,
      );
    }
  });

  test('two requests each in their own trace: isolation holds', () => {
    const verification = verify({ mode: 'self-test', ...leakedContext(false) });
    assert.equal(verification.passed, true);
    const isolated = verification.checks.find((c) => c.check === 'context_isolated');
    assert.deepEqual(summary(isolated), { passed: 2, failed: 0 });
  });

  test('with an incoming context, the entry joined the probe span', () => {
    const { spans, hop } = healthyHop();
    const verification = verify({
      mode: 'self-test',
      ...input(
        [request(hop, { incoming: INCOMING })],
        [{ ...spans[0]!, parentSpanId: PROBE_SPAN }, spans[1]!, spans[2]!],
      ),
    });
    assert.equal(verification.passed, true, verification.failedChecks.join(', '));
    const entries = verification.sample.findings.filter((f) => f.check === 'entry_joined');
    assert.equal(entries.length, 1, 'one entry_joined finding, the graph check');
    assert.equal(
      entries[0]!.expected,
      `a server span in trace ${TRACE_A} with parent ${PROBE_SPAN}`,
    );
    assert.equal(entries[0]!.passed, true);
    assert.equal(graphFinding(verification.sample.findings, 'parents_resolved').passed, true);
  });

  test('with an incoming context the entry did not extract: the entry did not join', () => {
    const { spans, hop } = healthyHop();
    // The entry started its own trace (TRACE_A) instead of continuing the probe's.
    const verification = verify({
      mode: 'self-test',
      ...input([request(hop, { incoming: { ...INCOMING, traceId: PROBE_TRACE } })], spans),
    });
    const entries = verification.sample.findings.filter((f) => f.check === 'entry_joined');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.passed, false);
    assert.ok(verification.failedChecks.includes('entry_joined'));
  });

  test('an entry that kept the probe span as parent but changed the trace id did not join', () => {
    const { spans, hop } = healthyHop();
    // The probe sent PROBE_TRACE; the entry's spans are in TRACE_A with the probe span as parent
    // (a propagator that cut or rewrote the trace id): the trace was not continued.
    const verification = verify({
      mode: 'self-test',
      ...input(
        [request(hop, { incoming: { ...INCOMING, traceId: PROBE_TRACE } })],
        [{ ...spans[0]!, parentSpanId: PROBE_SPAN }, spans[1]!, spans[2]!],
      ),
    });
    assert.equal(verification.passed, false);
    const entries = verification.sample.findings.filter((f) => f.check === 'entry_joined');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.passed, false);
    assert.equal(
      entries[0]!.expected,
      `a server span in trace ${PROBE_TRACE} with parent ${PROBE_SPAN}`,
    );
  });
});

describe('self-test graph checks: which requests they judge, and when', () => {
  test('a sampled request is judged beside an unsampled one, which claims no graph check', () => {
    const { spans, hop } = healthyHop();
    const unsampled = request(hop, {
      index: 2,
      incoming: { traceId: PROBE_TRACE, spanId: PROBE_SPAN, sampled: false, tracestate: undefined },
    });
    const verification = verify({
      mode: 'self-test',
      ...input([request(hop), unsampled], spans),
    });
    // The unsampled request recorded nothing: only the sampled one is judged by each graph check.
    assertOneRequestJudged(verification);
  });

  test('a request with no hop evidence is no probe of the graph checks; the others are judged', () => {
    const { spans, hop } = healthyHop();
    const verification = verify({
      mode: 'self-test',
      ...input([request(hop), { ...request(hop, { index: 2 }), hops: [] }], spans),
    });
    assertOneRequestJudged(verification);
  });

  test('no span exported at all: the graph checks claim nothing, the header checks judge', () => {
    const { hop } = healthyHop();
    const verification = verify({ mode: 'self-test', ...input([request(hop)], []) });
    const checks = verification.checks.map((c) => c.check);
    for (const check of [
      'calls_answered',
      'no_new_roots',
      'parents_resolved',
      'context_isolated',
    ]) {
      assert.ok(!checks.includes(check), `${check} in ${checks.join(', ')}`);
    }
  });

  test('work the entry did in its context after answering is after the answer, not a leak', () => {
    const { spans, hop } = healthyHop();
    const timed = (s: SpanRecord, startTimeMs: number, endTimeMs: number): SpanRecord => ({
      ...s,
      startTimeMs,
      endTimeMs,
    });
    // service-a answered at 10 ms, its call to service-b went on (fire and forget) and
    // service-b served it a second later, in the same trace, parent chain intact.
    const verification = verifyOne(
      [timed(spans[0]!, 0, 10), timed(spans[1]!, 5, 2000), timed(spans[2]!, 1000, 1100)],
      hop,
    );
    const isolated = graphFinding(verification.sample.findings, 'context_isolated');
    assert.equal(isolated.passed, true);
    assert.match(isolated.observed, /; 1 span after the answer, parent chain intact/);
    // Answered within the entry's time: nothing after it.
    const prompt = verifyOne(
      [timed(spans[0]!, 0, 2000), timed(spans[1]!, 5, 1500), timed(spans[2]!, 1000, 1100)],
      hop,
    );
    assert.equal(
      graphFinding(prompt.sample.findings, 'context_isolated').observed,
      '0 leaked spans',
    );
  });

  test("the entry's span not exported: no bound, the rest of its trace is still judged", () => {
    const { spans, hop } = healthyHop();
    const verification = verifyOne(
      // service-a's call took 6 s, service-b served it at 5 s: inside the call, and with no
      // entry span there is no answer time to be after.
      [
        { ...spans[1]!, startTimeMs: 0, endTimeMs: 6000 },
        { ...spans[2]!, startTimeMs: 5000, endTimeMs: 5001 },
      ],
      hop,
    );
    const isolated = graphFinding(verification.sample.findings, 'context_isolated');
    assert.equal(isolated.observed, '0 leaked spans');
    assert.equal(graphFinding(verification.sample.findings, 'calls_answered').passed, true);
  });
});

describe('the one entry', () => {
  test('a target observation goes to the target verifier, whole', () => {
    const observation = {
      probes: [targetProbe],
      spans: healthyTarget(),
      expectServices: ['checkout', 'payment'],
      header: 'traceparent',
    };
    const verification = verify({ mode: 'target', ...observation });
    assert.deepEqual(verification, verifyTarget(observation));
    assert.equal(verification.passed, true);
    const broken = verify({ mode: 'target', ...observation, spans: healthyTarget().slice(0, 1) });
    assert.equal(broken.passed, false);
  });
});

const PROBE_TRACE = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
const PROBE_SPAN = 'eeeeeeeeeeeeeeee';
const INCOMING = { traceId: TRACE_A, spanId: PROBE_SPAN, sampled: true, tracestate: undefined };

/** Each graph check judged exactly one request of the run, and passed it. */
function assertOneRequestJudged(verification: { checks: readonly CheckSummary[] }): void {
  for (const check of ['calls_answered', 'no_new_roots', 'parents_resolved', 'context_isolated']) {
    const row = verification.checks.find((c) => c.check === check);
    assert.deepEqual(summary(row), { passed: 1, failed: 0 }, check);
  }
}

function summary(row: CheckSummary | undefined): { passed: number; failed: number } | undefined {
  return row && { passed: row.passed, failed: row.failed };
}

/**
 * Two requests A -> B, the second a second later. With `leak`, service-a kept request 1's
 * context and made request 2's call in it: its client span and service-b's server span join
 * trace A, after request 1 was answered, and request 2's trace holds only its entry.
 */
function leakedContext(leak = true): ReturnType<typeof input> {
  const first = healthyHop();
  const TRACE_2 = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
  const [A2_SERVER, A2_CLIENT, B2_SERVER] = [
    '5555555555555555',
    '4444444444444444',
    '6666666666666666',
  ];
  const callTrace = leak ? TRACE_A : TRACE_2;
  const callParent = leak ? A_SERVER : A2_SERVER;
  const later = (s: SpanRecord, start: number): SpanRecord => ({
    ...s,
    startTimeMs: 1000 + start,
    endTimeMs: 1010 - start,
  });
  const spans = [
    ...first.spans,
    later(span('service-a', 'server', A2_SERVER, undefined, TRACE_2), 0),
    later(
      span('service-a', 'client', A2_CLIENT, callParent, callTrace, { 'server.port': B_PORT }),
      1,
    ),
    later(span('service-b', 'server', B2_SERVER, A2_CLIENT, callTrace), 2),
  ];
  const second: HopEvidence = {
    ...first.hop,
    headers: { traceparent: `00-${callTrace}-${A2_CLIENT}-01` },
    callerReport: {
      service: 'service-a',
      traceId: TRACE_2,
      spanId: A2_SERVER,
      parentSpanId: undefined,
    },
    calleeReport: {
      service: 'service-b',
      traceId: callTrace,
      spanId: B2_SERVER,
      parentSpanId: A2_CLIENT,
    },
  };
  return input([request(first.hop), request(second, { index: 2 })], spans);
}
