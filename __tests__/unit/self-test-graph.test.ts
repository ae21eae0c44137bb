// The trace-graph checks the self-test gains (calls answered, no foreign traces), through the
// verifier's one entry, verify(), fed with hand-built spans: each passes when the hop held and
// fails when propagation really broke the way it looks for.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verify } from '../../src/verify/observation';
import type { Finding } from '../../src/verify/types';
import { A_CLIENT, B_SERVER, brokenHop, healthyHop, input, request, span } from '../helpers/spans';

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
      ['single_trace', 'single_root', 'isolated', 'calls_answered', 'no_foreign_traces'],
    );
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
});
