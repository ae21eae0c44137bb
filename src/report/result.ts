import type { CheckOutcome } from '../run';
import { hopsFromAnswer } from '../services/report-body';
import { seedFields, type SeedFields } from '../verify/seed-fields';
import type { Finding } from '../verify/types';

/** The JSON result: the seed's fields first, unchanged in name and meaning, then the rest. */
export interface Result extends SeedFields {
  verdict: 'pass' | 'fail';
  failed_checks: string[];
  trace_id: string;
  propagators: string[];
  services: { name: string; port: number; url: string }[];
  hops: {
    hop: number;
    caller: string;
    callee: string;
    request: string;
    passed: boolean;
    diagnosis: string | null;
    traceparent_header: string | null;
    traceparent_parent_span_id: string | null;
    caller_client_span_id: string | null;
    callee_parent_span_id: string | null;
  }[];
  checks: {
    check: string;
    hop: number | null;
    title: string;
    expected: string;
    observed: string;
    passed: boolean;
  }[];
  spans: {
    service: string;
    name: string;
    kind: string;
    trace_id: string;
    span_id: string;
    parent_span_id: string | null;
  }[];
}

export function buildResult(outcome: CheckOutcome): Result {
  const { verification } = outcome;
  const firstHop = hopsFromAnswer(outcome.answer)[0];
  if (firstHop === undefined)
    throw new Error('the entry service answered without a downstream hop');
  return {
    ...seedFields(firstHop),
    verdict: verification.passed ? 'pass' : 'fail',
    failed_checks: failedCheckIds(verification.findings),
    trace_id: verification.traceId,
    propagators: outcome.config.propagators.length ? [...outcome.config.propagators] : ['none'],
    services: outcome.services,
    hops: verification.hops.map((hop) => ({
      hop: hop.hop,
      caller: hop.caller,
      callee: hop.callee,
      request: hop.request,
      passed: hop.passed,
      diagnosis: hop.diagnosis ?? null,
      traceparent_header: hop.traceparentHeader ?? null,
      traceparent_parent_span_id: hop.traceparentParentSpanId ?? null,
      caller_client_span_id: hop.callerClientSpanId ?? null,
      callee_parent_span_id: hop.calleeParentSpanId ?? null,
    })),
    checks: verification.findings.map((finding) => ({ ...finding, hop: finding.hop ?? null })),
    spans: outcome.spans.map((span) => ({
      service: span.service,
      name: span.name,
      kind: span.kind,
      trace_id: span.traceId,
      span_id: span.spanId,
      parent_span_id: span.parentSpanId ?? null,
    })),
  };
}

/** Ids of the failed checks, each once, in the order they were checked. */
export function failedCheckIds(findings: readonly Finding[]): string[] {
  return [...new Set(findings.filter((f) => !f.passed).map((f) => f.check))];
}

/**
 * One line for the failed step: the broken hops' diagnoses, then each failed check with the two
 * values that differ.
 */
export function failureMessage(result: Result): string {
  const diagnoses = result.hops.flatMap((hop) => (hop.diagnosis ? [hop.diagnosis] : []));
  const checks = result.checks
    .filter((check) => !check.passed)
    .map(
      (check) =>
        `${check.check}${check.hop ? ` (hop ${check.hop})` : ''}: expected ${check.expected}, observed ${check.observed}`,
    );
  return [
    'Trace context propagation failed.',
    ...diagnoses,
    `Failed checks: ${checks.join('; ')}.`,
  ].join(' ');
}
