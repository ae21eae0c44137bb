import type { TargetOutcome } from '../target/run-target';
import { spanRows, type SpanRow } from './span-rows';
import { percentiles, type Percentiles } from './percentiles';

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
  checks: {
    check: string;
    title: string;
    expected: string;
    observed: string;
    passed: boolean;
    probes_passed: number;
    probes_failed: number;
  }[];
  edges: { from: string; to: string; call: string; broken: boolean }[];
  /** The sample probe's trace. */
  spans: SpanRow[];
}

const LISTED_FAILURES = 50;

export function buildTargetResult(outcome: TargetOutcome): TargetResult {
  const { verification, config, target } = outcome;
  const sample = verification.sample;
  const failing = verification.probes.filter((p) => !p.passed);
  const sampleProbe = outcome.probes[sample.index - 1];
  const counts = new Map<
    string,
    { passed: number; failed: number; first: (typeof sample.findings)[number] }
  >();
  for (const probe of verification.probes) {
    for (const finding of probe.findings) {
      const row = counts.get(finding.check) ?? { passed: 0, failed: 0, first: finding };
      if (finding.passed) row.passed += 1;
      else {
        if (row.failed === 0) row.first = finding;
        row.failed += 1;
      }
      counts.set(finding.check, row);
    }
  }
  return {
    mode: 'target',
    verdict: verification.passed ? 'pass' : 'fail',
    expected_verdict: config.expect,
    failed_checks: verification.failedChecks,
    trace_id: sample.traceId,
    target: { url: target.url, method: target.method },
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
    expect_services: target.expectServices,
    services_seen: outcome.servicesSeen,
    wait: { outcome: outcome.wait.outcome, note: outcome.wait.note ?? null },
    sample_probe: sample.index,
    diagnoses: [...(outcome.wait.note ? [outcome.wait.note] : []), ...sample.diagnoses],
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
          error: sent?.error ?? null,
          diagnoses: probe.diagnoses,
        };
      }),
    },
    checks: [...counts.entries()].map(([check, row]) => ({
      check,
      title: row.first.title,
      expected: row.first.expected,
      observed: row.first.observed,
      passed: row.failed === 0,
      probes_passed: row.passed,
      probes_failed: row.failed,
    })),
    edges: sample.edges,
    spans: spanRows(sample.spans),
  };
}

export function targetFailureMessage(result: TargetResult): string {
  const failed = result.checks
    .filter((c) => !c.passed)
    .map((c) => `${c.check}: expected ${c.expected}, observed ${c.observed}`);
  const probes =
    result.probes.total > 1
      ? [
          `${result.probes.failed} of ${result.probes.total} probes failed; probe ${result.sample_probe}:`,
        ]
      : [];
  return [
    'Trace context propagation failed in the target.',
    ...probes,
    ...result.diagnoses,
    `Failed checks: ${failed.join('; ')}.`,
  ].join(' ');
}

export function targetConsoleReport(result: TargetResult): string {
  const lines = [
    result.verdict === 'pass'
      ? `PASS: one unbroken trace per probe through ${result.target.method} ${result.target.url}`
      : `FAIL: trace context broken behind ${result.target.method} ${result.target.url}`,
    `receiver: ${result.receiver.http}${result.receiver.grpc ? `, ${result.receiver.grpc} (gRPC)` : ''}   services seen: ${result.services_seen.join(', ') || '(none)'}`,
    ...(result.receiver.spans_over_limit > 0
      ? [
          `receiver full: ${result.receiver.spans_over_limit} spans refused past input 'max-spans'; the verdict saw only the spans stored before`,
        ]
      : []),
    `probes: ${result.probes.passed}/${result.probes.total} passed; latency p50 ${result.probes.latency_ms.p50} ms, p99 ${result.probes.latency_ms.p99} ms`,
    `sample probe ${result.sample_probe}: ${result.probe_header.name}: ${result.probe_header.value ?? '(none)'}`,
    ...result.diagnoses.map((d) => `  ! ${d}`),
  ];
  for (const check of result.checks) {
    lines.push(
      `  ${check.passed ? '✓' : '✗'} ${check.title}${result.probes.total > 1 ? ` (${check.probes_failed}/${result.probes.total} failed)` : ''}`,
      `      expected ${check.expected}`,
      `      observed ${check.observed}`,
    );
  }
  return lines.join('\n');
}
