import type { Result } from './result';

/**
 * The action's outputs, every one on pass and on fail alike, under the same names in both modes.
 * The self-test answers `same-trace` and `parent-matches-traceparent` run-wide, not from the
 * seed's first hop: a workflow branching on them must never read "true" from a run whose verdict
 * says a later hop or another request broke. Target mode answers them from its checks: the entry
 * service joined the probe's trace (its parent is the traceparent's parent-id) and no service
 * started a new trace.
 */
export function outputsOf(result: Result): Record<string, string> {
  return {
    verdict: result.verdict,
    'failed-checks': result.failed_checks.join(','),
    ...modeOutputs(result),
    result: JSON.stringify(result),
  };
}

function modeOutputs(result: Result): Record<string, string> {
  if (result.mode === 'self-test') {
    return {
      'same-trace': String(result.every_hop_same_trace),
      'parent-matches-traceparent': String(result.every_hop_parent_matches),
      'trace-id': result.service_a_trace_id,
      traceparent: result.traceparent_header ?? '',
    };
  }
  const passed = (check: string): boolean =>
    result.checks.find((c) => c.check === check)?.passed ?? false;
  return {
    'same-trace': String(passed('entry_joined') && passed('no_new_roots')),
    'parent-matches-traceparent': String(passed('entry_joined')),
    'trace-id': result.trace_id,
    traceparent: result.probe_headers['traceparent'] ?? '',
  };
}
