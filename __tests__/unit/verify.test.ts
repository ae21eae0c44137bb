import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seedFields } from '../../src/verify/seed-fields';
import type { CheckId, Verification } from '../../src/verify/types';
import { verifyPropagation } from '../../src/verify/verify';
import {
  A_CLIENT,
  A_SERVER,
  B_SERVER,
  TRACE_A,
  TRACE_B,
  brokenHop,
  healthyHop,
  span,
} from '../helpers/spans';

const SERVICES = ['service-a', 'service-b'];

function failed(verification: Verification): CheckId[] {
  return verification.findings.filter((f) => !f.passed).map((f) => f.check);
}

describe('verifyPropagation', () => {
  test('a healthy hop passes every check', () => {
    const { spans, hop } = healthyHop();
    const verification = verifyPropagation({ services: SERVICES, hops: [hop], spans });
    assert.deepEqual(failed(verification), []);
    assert.equal(verification.passed, true);
    assert.equal(verification.traceId, TRACE_A);
    assert.deepEqual(verification.brokenEdges, []);
    assert.equal(verification.hops[0]?.diagnosis, undefined);
    assert.equal(verification.hops[0]?.callerClientSpanId, A_CLIENT);
  });

  test('no header arrived: B is a new root, every check of the hop fails and the edge is marked', () => {
    const { spans, hop } = brokenHop();
    const verification = verifyPropagation({ services: SERVICES, hops: [hop], spans });
    assert.equal(verification.passed, false);
    assert.deepEqual(failed(verification), [
      'same_trace',
      'traceparent_valid',
      'parent_matches_traceparent',
      'parent_is_caller_client_span',
      'single_trace',
      'single_root',
    ]);
    assert.deepEqual(verification.brokenEdges, [
      { hop: 1, fromSpanId: A_CLIENT, toSpanId: B_SERVER },
    ]);
    assert.equal(
      verification.hops[0]?.diagnosis,
      "service-a -> service-b (GET http://127.0.0.1:4002/work): service-b started a new trace; no traceparent header arrived (no trace-context propagator injected it, or the caller's HTTP client is not instrumented).",
    );
  });

  test('a valid header that B did not extract is diagnosed as such', () => {
    const { spans, hop } = brokenHop({ traceparent: `00-${TRACE_A}-${A_CLIENT}-01` });
    const verification = verifyPropagation({ services: SERVICES, hops: [hop], spans });
    assert.ok(!failed(verification).includes('traceparent_valid'));
    assert.ok(failed(verification).includes('parent_matches_traceparent'));
    assert.match(
      verification.hops[0]?.diagnosis ?? '',
      /the traceparent header arrived but service-b did not continue it/,
    );
  });

  test("a malformed header is diagnosed with the parser's reason", () => {
    const { spans, hop } = brokenHop({ traceparent: `00-${TRACE_A.toUpperCase()}-${A_CLIENT}-01` });
    const verification = verifyPropagation({ services: SERVICES, hops: [hop], spans });
    assert.ok(failed(verification).includes('traceparent_valid'));
    assert.match(
      verification.hops[0]?.diagnosis ?? '',
      /malformed \(trace-id is not 32 lower-case hex digits\)/,
    );
  });

  test("a header whose parent-id is not the caller's client span fails the span link", () => {
    // B continued the trace, but from a parent id nobody exported (a proxy re-parented the call).
    const proxy = 'abababababababab';
    const { spans, hop } = healthyHop();
    spans[2] = span('service-b', 'server', B_SERVER, proxy);
    hop.headers = { traceparent: `00-${TRACE_A}-${proxy}-01` };
    hop.calleeReport = { ...hop.calleeReport, parentSpanId: proxy };
    const verification = verifyPropagation({ services: SERVICES, hops: [hop], spans });
    assert.deepEqual(failed(verification), ['parent_is_caller_client_span']);
    assert.match(
      verification.hops[0]?.diagnosis ?? '',
      /is not service-a's client span 2222222222222222/,
    );
  });

  test('a caller that exported no client span is named', () => {
    const { spans, hop } = healthyHop();
    const verification = verifyPropagation({
      services: SERVICES,
      hops: [hop],
      spans: [spans[0]!, spans[2]!],
    });
    assert.ok(failed(verification).includes('parent_is_caller_client_span'));
    assert.match(verification.hops[0]?.diagnosis ?? '', /service-a exported no client span/);
  });

  test('a stray span in another trace fails single_trace and single_root, not the hop', () => {
    const { spans, hop } = healthyHop();
    spans.push(span('service-b', 'internal', '4444444444444444', undefined, TRACE_B));
    const verification = verifyPropagation({ services: SERVICES, hops: [hop], spans });
    assert.deepEqual(failed(verification), ['single_trace', 'single_root']);
    assert.equal(verification.hops[0]?.passed, true);
  });

  test("the root must be the entry service's server span", () => {
    const { spans, hop } = healthyHop();
    spans[0] = span('service-a', 'server', A_SERVER, 'cdcdcdcdcdcdcdcd');
    const verification = verifyPropagation({ services: SERVICES, hops: [hop], spans });
    assert.deepEqual(failed(verification), ['single_root']);
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
