import * as core from '@actions/core';
import type { Result } from './result';

/** Every output, set in one place, on pass and on fail alike. */
export function setOutputs(result: Result): void {
  const outputs: Record<string, string> = {
    verdict: result.verdict,
    'failed-checks': result.failed_checks.join(','),
    'same-trace': String(result.same_trace),
    'parent-matches-traceparent': String(result.parent_matches_traceparent),
    'trace-id': result.service_a_trace_id,
    traceparent: result.traceparent_header ?? '',
    result: JSON.stringify(result),
  };
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}
