// Hand-built results for the unit tests of src/report/: a two-service self-test and a two-service
// target trace, each passing or broken at its one hop (the callee started a new trace). Built by
// hand, not by running the verifier, so a report test fails only when the report changes.
import type { SelfTestResult } from '../../src/report/result';
import { spanRows } from '../../src/report/span-rows';
import type { TargetResult } from '../../src/report/target-result';
import type { HopVerdict, SpanRecord, Verification } from '../../src/verify/types';

export const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
/** The trace the callee started when the hop broke. */
export const NEW_TRACE = 'ffffffffffffffffffffffffffff0001';
export const A_SERVER = 'a000000000000001';
export const A_CLIENT = 'a000000000000002';
export const B_SERVER = 'b000000000000001';
export const DIAGNOSIS = 'service-b received no traceparent header and started a new trace';
export const SERVICES = ['service-a', 'service-b'];

const HEADER = `00-${TRACE}-${A_CLIENT}-01`;
const REQUEST = 'GET http://127.0.0.1:4002/work';

/** The spans of the sample request: A's server and client spans, and B's server span. */
export function sampleSpans(broken: boolean): SpanRecord[] {
  const span = (
    service: string,
    spanId: string,
    kind: SpanRecord['kind'],
    parentSpanId: string | undefined,
    traceId = TRACE,
  ): SpanRecord => ({
    traceId,
    spanId,
    parentSpanId,
    parentIsRemote: kind === 'server' && parentSpanId !== undefined,
    name: kind === 'client' ? 'GET' : `GET /${service}`,
    kind,
    service,
    startTimeMs: 1_700_000_000_000,
    endTimeMs: 1_700_000_000_010,
    attributes: {},
  });
  return [
    span('service-a', A_SERVER, 'server', undefined),
    span('service-a', A_CLIENT, 'client', A_SERVER),
    broken
      ? span('service-b', B_SERVER, 'server', undefined, NEW_TRACE)
      : span('service-b', B_SERVER, 'server', A_CLIENT),
  ];
}

/** A check row of the self-test result, passed or failed in every request. */
function check(name: string, title: string, expected: string, observed: string, ok: boolean) {
  return {
    check: name,
    hop: 1,
    title,
    expected,
    observed,
    passed: ok,
    requests_passed: ok ? 1 : 0,
    requests_failed: ok ? 0 : 1,
  };
}

/** The one hop of the self-test result. */
function selfTestHop(broken: boolean): SelfTestResult['hops'][number] {
  return {
    hop: 1,
    caller: 'service-a',
    callee: 'service-b',
    request: REQUEST,
    passed: !broken,
    diagnosis: broken ? DIAGNOSIS : null,
    header_name: 'traceparent',
    header: broken ? null : HEADER,
    header_parent_span_id: broken ? null : A_CLIENT,
    caller_client_span_id: A_CLIENT,
    callee_parent_span_id: broken ? null : A_CLIENT,
    requests_passed: broken ? 0 : 1,
    requests_failed: broken ? 1 : 0,
  };
}

/** The self-test result's checks: the header arrived, and the callee joined the trace. */
function selfTestChecks(broken: boolean): SelfTestResult['checks'] {
  return [
    check(
      'traceparent_present',
      'service-b received a traceparent header',
      'a traceparent header',
      broken ? '(none)' : HEADER,
      !broken,
    ),
    check(
      'same_trace',
      'service-b joined the trace of service-a',
      TRACE,
      broken ? NEW_TRACE : TRACE,
      !broken,
    ),
  ];
}

/** The self-test's JSON result of one request through service-a -> service-b. */
export function selfTestResult(broken: boolean): SelfTestResult {
  return {
    mode: 'self-test',
    same_trace: !broken,
    service_a_trace_id: TRACE,
    service_b_trace_id: broken ? NEW_TRACE : TRACE,
    traceparent_header: broken ? null : HEADER,
    traceparent_parent_span_id: broken ? null : A_CLIENT,
    service_b_parent_span_id: broken ? null : A_CLIENT,
    parent_matches_traceparent: !broken,
    every_hop_same_trace: !broken,
    every_hop_parent_matches: !broken,
    verdict: broken ? 'fail' : 'pass',
    expected_verdict: 'pass',
    failed_checks: broken ? ['traceparent_present', 'same_trace'] : [],
    trace_id: TRACE,
    propagators: ['tracecontext', 'baggage'],
    client: 'got',
    fault: broken ? { kind: 'strip-header', hop: 1 } : null,
    services: SERVICES.map((name, index) => ({
      name,
      port: 4001 + index,
      url: `http://127.0.0.1:${4001 + index}/`,
    })),
    sample_request: 1,
    left_out: { spans: 0, failed_requests: 0 },
    hops: [selfTestHop(broken)],
    requests: {
      total: 1,
      concurrency: 1,
      passed: broken ? 0 : 1,
      failed: broken ? 1 : 0,
      latency_ms: { p50: 3, p95: 4, p99: 5, max: 5 },
      failures: broken
        ? [
            {
              request: 1,
              trace_id: TRACE,
              failed_checks: ['traceparent_present', 'same_trace'],
              diagnosis: DIAGNOSIS,
            },
          ]
        : [],
    },
    checks: selfTestChecks(broken),
    spans: spanRows(sampleSpans(broken)),
  };
}

/** The verification the self-test summary draws its diagrams from, matching selfTestResult. */
export function selfTestVerification(broken: boolean, spans = sampleSpans(broken)): Verification {
  const hop: HopVerdict = {
    hop: 1,
    caller: 'service-a',
    callee: 'service-b',
    request: REQUEST,
    passed: !broken,
    diagnosis: broken ? DIAGNOSIS : undefined,
    header: broken ? undefined : HEADER,
    headerParentSpanId: broken ? undefined : A_CLIENT,
    callerClientSpanId: A_CLIENT,
    calleeParentSpanId: broken ? undefined : A_CLIENT,
  };
  const report = (service: string, traceId: string, spanId: string, parent?: string) => ({
    service,
    traceId,
    spanId,
    parentSpanId: parent,
  });
  const sample = {
    index: 1,
    evidence: {
      index: 1,
      hops: [
        {
          caller: 'service-a',
          callee: 'service-b',
          request: REQUEST,
          calleePort: 4002,
          headers: broken ? ({} as Record<string, string>) : { traceparent: HEADER },
          callerReport: report('service-a', TRACE, A_SERVER),
          calleeReport: broken
            ? report('service-b', NEW_TRACE, B_SERVER)
            : report('service-b', TRACE, B_SERVER, A_CLIENT),
        },
      ],
      baggage: undefined,
      incoming: undefined,
    },
    passed: !broken,
    findings: [],
    hops: [hop],
    brokenEdges: broken ? [{ hop: 1, fromSpanId: A_CLIENT, toSpanId: B_SERVER }] : [],
    traceId: TRACE,
    spans,
  };
  return {
    passed: !broken,
    requests: [sample],
    checks: [],
    hops: [
      {
        hop: 1,
        caller: 'service-a',
        callee: 'service-b',
        passed: broken ? 0 : 1,
        failed: broken ? 1 : 0,
        diagnosis: hop.diagnosis,
      },
    ],
    failedChecks: broken ? ['traceparent_present', 'same_trace'] : [],
    sample,
  };
}

/** Target mode's JSON result of one probe into service-a, which calls service-b. */
export function targetResult(broken: boolean): TargetResult {
  const checkRow = (name: string, title: string, observed: string, ok: boolean) => ({
    check: name,
    title,
    expected: name === 'entry_joined' ? `parent ${A_CLIENT}` : 'no new roots',
    observed,
    passed: ok,
    probes_passed: ok ? 1 : 0,
    probes_failed: ok ? 0 : 1,
  });
  return {
    mode: 'target',
    verdict: broken ? 'fail' : 'pass',
    expected_verdict: 'pass',
    failed_checks: broken ? ['no_new_roots'] : [],
    trace_id: TRACE,
    target: { url: 'http://127.0.0.1:4001/', method: 'GET' },
    receiver: {
      http: 'http://127.0.0.1:4318',
      grpc: 'http://127.0.0.1:4317',
      spans_over_limit: 0,
    },
    propagators: ['tracecontext', 'baggage'],
    probe_header: { name: 'traceparent', value: HEADER },
    probe_headers: { traceparent: HEADER },
    expect_services: SERVICES,
    services_seen: SERVICES,
    wait: { outcome: 'complete', note: null },
    sample_probe: 1,
    left_out: { spans: 0, failed_probes: 0, diagnoses: 0, edges: 0, services_seen: 0 },
    diagnoses: broken ? [DIAGNOSIS] : [],
    probes: {
      total: 1,
      passed: broken ? 0 : 1,
      failed: broken ? 1 : 0,
      latency_ms: { p50: 3, p95: 4, p99: 5, max: 5 },
      failures: broken
        ? [{ probe: 1, trace_id: TRACE, status: 200, error: null, diagnoses: [DIAGNOSIS] }]
        : [],
    },
    checks: [
      checkRow('entry_joined', 'service-a joined the probe', `parent ${A_CLIENT}`, true),
      checkRow(
        'no_new_roots',
        'no service started a new trace',
        broken ? 'service-b' : '',
        !broken,
      ),
    ],
    edges: [
      { from: 'probe', to: 'service-a', call: 'GET /', broken: false },
      { from: 'service-a', to: 'service-b', call: REQUEST, broken },
    ],
    spans: selfTestResult(broken).spans,
  };
}
