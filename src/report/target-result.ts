import type { TargetOutcome } from '../modes/target/run-target';
import { cutList, fitToBudget, RESULT_MAX_BYTES } from './budgets';
import { checkRow, LISTED_FAILURES, type CheckRowBase } from './check-rows';
import { spanRows, type SpanRow } from './span-rows';
import { percentiles, type Percentiles } from './percentiles';
import { inertName, inertText, inertTextOrNull } from './untrusted';

/** The JSON result of target mode. */
export interface TargetResult {
  mode: 'target';
  verdict: 'pass' | 'fail';
  expected_verdict: 'pass' | 'fail';
  failed_checks: string[];
  /** The sample probe's trace id: the first probe that failed, else the first. */
  trace_id: string;
  target: { url: string; method: string };
  /** `spans_over_limit`: spans refused because `max-spans` were already stored. */
  receiver: { http: string; grpc: string | null; spans_over_limit: number };
  propagators: string[];
  /** The context header the sample probe sent (name and value). */
  probe_header: { name: string; value: string | null };
  /** Every context header the sample probe sent (one per configured trace propagator). */
  probe_headers: Record<string, string>;
  expect_services: string[];
  services_seen: string[];
  wait: { outcome: string; note: string | null };
  sample_probe: number;
  diagnoses: string[];
  probes: {
    total: number;
    passed: number;
    failed: number;
    latency_ms: Percentiles;
    failures: {
      probe: number;
      trace_id: string;
      status: number | null;
      error: string | null;
      diagnoses: string[];
    }[];
  };
  checks: (CheckRowBase & { probes_passed: number; probes_failed: number })[];
  edges: { from: string; to: string; call: string; broken: boolean; external?: boolean }[];
  /** The sample probe's trace. */
  spans: SpanRow[];
  /** What the lists above leave out, to keep the result and the summary within their budgets. */
  left_out: TargetLeftOut;
}

export type TargetLeftOut = {
  spans: number;
  /** Failed probes not listed in `probes.failures`. */
  failed_probes: number;
  /** Diagnoses of the sample probe and of the listed failures. */
  diagnoses: number;
  edges: number;
  services_seen: number;
};

/**
 * The result model of target mode. Every string the services under test sent is made inert here
 * (see untrusted.ts), and the lists are cut so the JSON fits the `result` output's budget.
 */
export function buildTargetResult(outcome: TargetOutcome): TargetResult {
  const full = fullTargetResult(outcome);
  const json = (result: TargetResult): string => JSON.stringify(result);
  return fitToBudget(full, longestTargetList(full), cutTargetResult, json, RESULT_MAX_BYTES).value;
}

function fullTargetResult(outcome: TargetOutcome): TargetResult {
  const { verification, config, target } = outcome;
  const sample = verification.sample;
  const failing = verification.probes.filter((p) => !p.passed);
  const sampleProbe = outcome.probes[sample.index - 1];
  return {
    mode: 'target',
    verdict: verification.passed ? 'pass' : 'fail',
    expected_verdict: config.expect,
    failed_checks: verification.failedChecks,
    trace_id: sample.traceId,
    target: { url: inertText(target.url), method: inertName(target.method) },
    receiver: {
      http: outcome.receiver.http,
      grpc: outcome.receiver.grpc ?? null,
      spans_over_limit: outcome.receiver.spansOverLimit,
    },
    propagators: config.propagators.length ? [...config.propagators] : ['none'],
    probe_headers: { ...(sampleProbe?.headers ?? {}) },
    probe_header: {
      name: outcome.header,
      value: sampleProbe?.headers[outcome.header.toLowerCase()] ?? null,
    },
    expect_services: target.expectServices.map(inertName),
    services_seen: outcome.servicesSeen.map(inertName),
    wait: { outcome: outcome.wait.outcome, note: inertTextOrNull(outcome.wait.note) },
    sample_probe: sample.index,
    diagnoses: [
      ...(outcome.wait.note ? [outcome.wait.note] : []),
      ...outcome.receiverHints,
      ...sample.diagnoses,
    ].map(inertText),
    probes: {
      total: verification.probes.length,
      passed: verification.probes.length - failing.length,
      failed: failing.length,
      latency_ms: percentiles(outcome.probes.map((p) => p.latencyMs)),
      failures: failing.slice(0, LISTED_FAILURES).map((probe) => {
        const sent = outcome.probes[probe.index - 1];
        return {
          probe: probe.index,
          trace_id: probe.traceId,
          status: sent?.status ?? null,
          error: inertTextOrNull(sent?.error),
          diagnoses: probe.diagnoses.map(inertText),
        };
      }),
    },
    checks: verification.checks.map((check) => ({
      ...checkRow(check),
      probes_passed: check.passed,
      probes_failed: check.failed,
    })),
    edges: sample.edges.map((edge) => ({
      from: inertName(edge.from),
      to: inertName(edge.to),
      call: inertName(edge.call),
      broken: edge.broken,
      ...(edge.external ? { external: true } : {}),
    })),
    spans: spanRows(sample.spans),
    left_out: {
      spans: 0,
      failed_probes: failing.length - Math.min(failing.length, LISTED_FAILURES),
      diagnoses: 0,
      edges: 0,
      services_seen: 0,
    },
  };
}

/** The longest list in the result: cutting to this many items cuts nothing. */
export function longestTargetList(result: TargetResult): number {
  return Math.max(
    result.spans.length,
    result.diagnoses.length,
    result.edges.length,
    result.services_seen.length,
    result.probes.failures.length,
    ...result.probes.failures.map((f) => f.diagnoses.length),
  );
}

/** The result with each list cut to `limit` items; `left_out` counts what was cut. */
export function cutTargetResult(result: TargetResult, limit: number): TargetResult {
  const spans = cutList(result.spans, limit);
  const diagnoses = cutList(result.diagnoses, limit);
  const edges = cutList(result.edges, limit);
  const services = cutList(result.services_seen, limit);
  const failures = cutList(result.probes.failures, limit);
  let failureDiagnosesLeft = 0;
  const listed = failures.kept.map((failure) => {
    const cut = cutList(failure.diagnoses, limit);
    failureDiagnosesLeft += cut.left;
    return { ...failure, diagnoses: cut.kept };
  });
  const before = result.left_out;
  return {
    ...result,
    services_seen: services.kept,
    diagnoses: diagnoses.kept,
    probes: { ...result.probes, failures: listed },
    edges: edges.kept,
    spans: spans.kept,
    left_out: {
      spans: before.spans + spans.left,
      failed_probes: before.failed_probes + failures.left,
      diagnoses: before.diagnoses + diagnoses.left + failureDiagnosesLeft,
      edges: before.edges + edges.left,
      services_seen: before.services_seen + services.left,
    },
  };
}
