import type { Result } from './result';
import type { TargetResult } from './target-result';

/** The action's outputs, every one on pass and on fail alike. */
export function outputsOf(result: Result): Record<string, string> {
  return {
    verdict: result.verdict,
    'failed-checks': result.failed_checks.join(','),
    // Run-wide, not the seed's first hop: a workflow branching on these must never read "true"
    // from a run whose verdict says a later hop or another request broke.
    'same-trace': String(result.every_hop_same_trace),
    'parent-matches-traceparent': String(result.every_hop_parent_matches),
    'trace-id': result.service_a_trace_id,
    traceparent: result.traceparent_header ?? '',
    result: JSON.stringify(result),
  };
}

/**
 * Target mode's outputs under the same names: the entry service joined the probe's trace
 * (its parent is the traceparent's parent-id) and no service started a new trace.
 */
export function targetOutputsOf(result: TargetResult): Record<string, string> {
  const passed = (check: string): boolean =>
    result.checks.find((c) => c.check === check)?.passed ?? false;
  return {
    verdict: result.verdict,
    'failed-checks': result.failed_checks.join(','),
    'same-trace': String(passed('entry_joined') && passed('no_new_roots')),
    'parent-matches-traceparent': String(passed('entry_joined')),
    'trace-id': result.trace_id,
    traceparent: result.probe_headers['traceparent'] ?? '',
    result: JSON.stringify(result),
  };
}
