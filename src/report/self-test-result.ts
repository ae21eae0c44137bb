import { checkedFormats, type Fault } from '../config';
import type { CheckOutcome } from '../modes/self-test/run';
import { TRACE_FORMATS } from '../verify/formats/context-headers';
import type { HopSummary } from '../verify/types';
import {
  runWideFields,
  seedFields,
  type RunWideFields,
  type SeedFields,
} from '../verify/header-checks/seed-fields';
import { cutList, fitToBudget, RESULT_MAX_BYTES } from './budgets';
import { checkRow, LISTED_FAILURES, type CheckRowBase } from './check-rows';
import { spanRows, type SpanRow } from './span-rows';
import { percentiles, type Percentiles } from './percentiles';
import { inertName, inertNameOrNull, inertText, inertTextOrNull } from './untrusted';

/**
 * The JSON result: the seed's fields first, unchanged in name and meaning (they describe the
 * first hop of the sample request, A -> B), then the same questions asked of every hop of every
 * request (what the outputs report), then everything else.
 */
export interface SelfTestResult extends SeedFields, RunWideFields {
  mode: 'self-test';
  verdict: 'pass' | 'fail';
  /** The verdict the step expected (`expect`); the step fails when they differ. */
  expected_verdict: 'pass' | 'fail';
  failed_checks: string[];
  /** The sample request's trace id. */
  trace_id: string;
  propagators: string[];
  client: string;
  fault: { kind: string; hop: number } | null;
  services: { name: string; port: number; url: string }[];
  /** The request whose evidence `hops` and `spans` show: the first with a broken hop, else the first that failed, else the first. */
  sample_request: number;
  hops: {
    hop: number;
    caller: string;
    callee: string;
    request: string;
    passed: boolean;
    diagnosis: string | null;
    header_name: string;
    header: string | null;
    header_parent_span_id: string | null;
    caller_client_span_id: string | null;
    callee_parent_span_id: string | null;
    requests_passed: number;
    requests_failed: number;
  }[];
  requests: {
    total: number;
    concurrency: number;
    passed: number;
    failed: number;
    latency_ms: Percentiles;
    failures: {
      request: number;
      trace_id: string;
      failed_checks: string[];
      diagnosis: string | null;
    }[];
  };
  checks: (CheckRowBase & {
    hop: number | null;
    requests_passed: number;
    requests_failed: number;
  })[];
  /** The sample request's spans. */
  spans: SpanRow[];
  /** What the lists above leave out, to keep the result and the summary within their budgets. */
  left_out: { spans: number; failed_requests: number };
}

/**
 * The result model of the self-test. What the chain received over the network (headers, span
 * names, diagnoses quoting them) is made inert here (see untrusted.ts), and the lists are cut so
 * the JSON fits the `result` output's budget.
 */
export function buildSelfTestResult(outcome: CheckOutcome): SelfTestResult {
  const full = fullResult(outcome);
  const longest = Math.max(full.spans.length, full.requests.failures.length);
  const json = (result: SelfTestResult): string => JSON.stringify(result);
  return fitToBudget(full, longest, cutSelfTestResult, json, RESULT_MAX_BYTES).value;
}

/** The result with its lists cut to `limit` items; `left_out` counts what was cut. */
export function cutSelfTestResult(result: SelfTestResult, limit: number): SelfTestResult {
  const spans = cutList(result.spans, limit);
  const failures = cutList(result.requests.failures, limit);
  return {
    ...result,
    requests: { ...result.requests, failures: failures.kept },
    spans: spans.kept,
    left_out: {
      spans: result.left_out.spans + spans.left,
      failed_requests: result.left_out.failed_requests + failures.left,
    },
  };
}

function fullResult(outcome: CheckOutcome): SelfTestResult {
  const { verification, config } = outcome;
  const primaryHeader = TRACE_FORMATS[checkedFormats(config.propagators)[0]!].header;
  const sample = verification.sample;
  const firstHop = sample.evidence.hops[0];
  if (firstHop === undefined)
    throw new Error('the entry service answered without a downstream hop');
  const failing = verification.requests.filter((r) => !r.passed);
  return {
    ...inertSeedFields(seedFields(firstHop)),
    ...runWideFields(verification.checks),
    mode: 'self-test',
    verdict: verification.passed ? 'pass' : 'fail',
    expected_verdict: config.expect,
    failed_checks: verification.failedChecks,
    trace_id: sample.traceId,
    propagators: config.propagators.length ? [...config.propagators] : ['none'],
    client: config.client,
    fault: config.fault ? { ...config.fault } : null,
    services: outcome.services,
    sample_request: sample.index,
    hops: sample.hops.map((hop) => {
      const overall = verification.hops[hop.hop - 1];
      return {
        hop: hop.hop,
        caller: inertName(hop.caller),
        callee: inertName(hop.callee),
        request: inertText(hop.request),
        passed: (overall?.failed ?? 0) === 0,
        diagnosis: inertTextOrNull(hop.diagnosis ?? overall?.diagnosis),
        header_name: primaryHeader,
        header: inertTextOrNull(hop.header),
        header_parent_span_id: inertNameOrNull(hop.headerParentSpanId),
        caller_client_span_id: inertNameOrNull(hop.callerClientSpanId),
        callee_parent_span_id: inertNameOrNull(hop.calleeParentSpanId),
        requests_passed: overall?.passed ?? 0,
        requests_failed: overall?.failed ?? 0,
      };
    }),
    requests: {
      total: verification.requests.length,
      concurrency: config.concurrency,
      passed: verification.requests.length - failing.length,
      failed: failing.length,
      latency_ms: percentiles(outcome.probes.map((p) => p.latencyMs)),
      failures: failing.slice(0, LISTED_FAILURES).map((request) => ({
        request: request.index,
        trace_id: request.traceId,
        failed_checks: [...new Set(request.findings.filter((f) => !f.passed).map((f) => f.check))],
        diagnosis: inertTextOrNull(request.hops.find((h) => h.diagnosis)?.diagnosis),
      })),
    },
    checks: verification.checks.map((check) => ({
      ...checkRow(check),
      hop: check.hop ?? null,
      requests_passed: check.passed,
      requests_failed: check.failed,
    })),
    spans: spanRows(sample.spans),
    left_out: {
      spans: 0,
      failed_requests: failing.length - Math.min(failing.length, LISTED_FAILURES),
    },
  };
}

/** The seed's fields quote what the callee received and reported: made inert like the rest. */
function inertSeedFields(fields: SeedFields): SeedFields {
  return {
    ...fields,
    service_a_trace_id: inertName(fields.service_a_trace_id),
    service_b_trace_id: inertName(fields.service_b_trace_id),
    traceparent_header: inertTextOrNull(fields.traceparent_header),
    traceparent_parent_span_id: inertNameOrNull(fields.traceparent_parent_span_id),
    service_b_parent_span_id: inertNameOrNull(fields.service_b_parent_span_id),
  };
}

/**
 * Why a failing run with a fault proves nothing as a negative control, or undefined when it is
 * sound: the faulted hop must have broken, and only it. A run where every hop broke (say, with no
 * propagator at all) fails for a reason other than the fault.
 */
export function unprovenFault(
  fault: Fault | undefined,
  hops: readonly HopSummary[],
): string | undefined {
  if (fault === undefined) return undefined;
  const where = `hop ${fault.hop}, where the fault ${fault.kind} was set`;
  if ((hops[fault.hop - 1]?.failed ?? 0) === 0) return `not at ${where}`;
  const others = hops.filter((hop) => hop.hop !== fault.hop && hop.failed > 0).map((h) => h.hop);
  if (others.length === 0) return undefined;
  return `hop${others.length === 1 ? '' : 's'} ${others.join(', ')} broke as well as ${where}`;
}
