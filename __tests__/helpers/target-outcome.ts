import { parseConfig } from '../../src/config';
import type { TargetOutcome } from '../../src/modes/target/run-target';
import { verifyTarget, type TargetProbe } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';
import { span } from './spans';

export const PROBE_TRACE = '11111111111111111111111111111111';
export const PROBE_SPAN = 'aaaaaaaaaaaaaaaa';

/** A span of the probe's trace, for hand-built target outcomes. */
export function probeSpan(
  service: string,
  name: string,
  spanId: string,
  parentSpanId: string | undefined,
  kind: SpanRecord['kind'] = 'server',
): SpanRecord {
  return {
    ...span(service, kind, spanId, parentSpanId, PROBE_TRACE),
    parentIsRemote: kind === 'server' && parentSpanId !== undefined ? true : undefined,
    name,
    startTimeMs: 1001,
    endTimeMs: 1090,
  };
}

/**
 * A target outcome as runTarget returns it, from spans built by hand: a real config parsed from
 * inputs, a real verification of those spans, one probe answered with `status`.
 */
export function targetOutcome(
  spans: SpanRecord[],
  options: { expectServices?: string[]; status?: number; error?: string; note?: string } = {},
): TargetOutcome {
  const inputs: Record<string, string> = {
    'target-url': 'http://127.0.0.1:9001/checkout',
    'expect-services': (options.expectServices ?? []).join(','),
  };
  const config = parseConfig((name) => inputs[name] ?? '');
  const target = config.target!;
  const probe: TargetProbe = {
    index: 1,
    traceId: PROBE_TRACE,
    spanId: PROBE_SPAN,
    startMs: 1000,
    endMs: 1100,
    status: options.status ?? 200,
    error: options.error,
  };
  const verification = verifyTarget({
    probes: [probe],
    spans,
    expectServices: target.expectServices,
    header: 'traceparent',
  });
  return {
    config,
    target,
    receiver: { http: 'http://127.0.0.1:4318', grpc: undefined, spansOverLimit: 0 },
    launched: undefined,
    probes: [
      { ...probe, latencyMs: 100, headers: { traceparent: `00-${PROBE_TRACE}-${PROBE_SPAN}-01` } },
    ],
    spans,
    servicesSeen: [...new Set(spans.map((s) => s.service))],
    wait: { outcome: 'satisfied', note: options.note },
    header: 'traceparent',
    receiverHints: [],
    verification,
  };
}
