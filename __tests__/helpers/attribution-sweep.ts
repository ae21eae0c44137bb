// What the rule 3 and rule 5 sweep tests share (target-attribution-sweep*.test.ts): a skew, each
// probe's attributed causes, new roots, and the requests of a probe's own trace.
import { analyzeRun } from '../../src/verify/analysis';
import type { TargetProbe } from '../../src/verify/target-types';
import type { SpanRecord } from '../../src/verify/types';
import { span } from './target-spans';

export const SKEW = 5;

/** Per probe, `root-span-id cause detail` for each break attributed to it. */
export function causes(probes: TargetProbe[], spans: SpanRecord[]): string[][] {
  const analysis = analyzeRun({
    probes,
    spans,
    expectServices: [],
    header: 'traceparent',
    maxClockSkewMs: SKEW,
  });
  return analysis.probes.map((p) =>
    p.breaks.map((b) => {
      const cause = b.cause;
      const detail = cause.kind === 'caller' ? cause.caller.spanId : '';
      return `${b.span.spanId} ${cause.kind} ${detail}`.trim();
    }),
  );
}

/** A new root server span of `service` in a trace of its own. */
export function root(service: string, id: string, window: [number, number]): SpanRecord {
  return span(service, 'server', id, undefined, window, { traceId: `7${id.padStart(31, '0')}` });
}

/** The requests of the probe's own trace (its entry made none: a status of none, so rule 5 is out). */
export function served(p: TargetProbe, requests: SpanRecord[]): SpanRecord[] {
  return requests.map((request) => ({ ...request, traceId: p.traceId }));
}
