import type { Call, ProbeAnalysis } from './analysis';
import type { SpansByTrace } from './spans';
import { LOCAL_SLACK_MS } from './target-types';
import { KIND } from './span-columns';
import { buildTraceGraph, spanPort } from './trace-graph';
import type { SpanRecord } from './types';

/**
 * Context kept, or context leaked. A span that starts after its parent ended continues a context
 * that outlived its request. With its parent chain intact, that is deferred work done right
 * (reported as "after the answer"). It is a leak only when another probe shows the matching
 * break: a request of the same service in flight that lacks this very call (a client span), or
 * a call left unanswered whose answer this is (a server span).
 */
export interface Leak {
  span: SpanRecord;
  /** The probe whose trace the span joined; undefined for a trace that is no probe's. */
  host: number | undefined;
  /** The probe the span belonged to. */
  owner: number;
  /** For a server span: the owner's call it answered, in the wrong trace. */
  call: Call | undefined;
}

export interface Continuations {
  leaks: Leak[];
  /** By probe: spans of its trace that began after the work they continue (not leaks). */
  afterAnswer: SpanRecord[][];
}

export function findLeaks(
  probes: readonly ProbeAnalysis[],
  byTrace: SpansByTrace,
  skewMs: number,
): Continuations {
  const hostOf = new Map(probes.map((p, index) => [p.probe.traceId, index]));
  const leaks: Leak[] = [];
  const afterAnswer: SpanRecord[][] = probes.map(() => []);
  for (const [traceId, traceSpans] of byTrace) {
    const host = hostOf.get(traceId);
    // A span alone in a trace that is no probe's has no parent there: it cannot be late, and
    // indexing every such trace (health checks, broken-off roots) cost most of the pass.
    if (host === undefined && traceSpans.length < 2) continue;
    // A probe's trace is indexed already; another trace is indexed here (first span of an id wins).
    const graph = host === undefined ? buildTraceGraph(traceId, traceSpans) : probes[host]!.graph;
    const { spans, parents, kinds, serviceOf, starts, ends } = graph;
    const probeEnd = host === undefined ? Infinity : probes[host]!.probe.endMs + skewMs;
    for (let position = 0; position < spans.length; position += 1) {
      const kind = kinds[position]!;
      if (kind !== KIND.client && kind !== KIND.server) continue;
      // From the graph's arrays: the span itself is read only when it is late.
      const parent = parents[position]!;
      const start = starts[position]!;
      const slack =
        parent >= 0 && serviceOf[parent] === serviceOf[position] ? LOCAL_SLACK_MS : skewMs;
      const late =
        (parent >= 0 && start > ends[parent]! + slack) ||
        (kind === KIND.server && start > probeEnd);
      if (!late) continue;
      const span = spans[position]!;
      const leak = ownerOf(span, host, probes, skewMs);
      if (leak !== undefined) leaks.push(leak);
      else if (host !== undefined) afterAnswer[host]!.push(span);
    }
  }
  return { leaks, afterAnswer };
}

function ownerOf(
  span: SpanRecord,
  host: number | undefined,
  probes: readonly ProbeAnalysis[],
  skewMs: number,
): Leak | undefined {
  const port = spanPort(span);
  for (let index = 0; index < probes.length; index += 1) {
    if (index === host) continue;
    const probe = probes[index]!;
    if (span.kind === 'client') {
      const serving = probe.graph.spans.some(
        (s) =>
          s.kind === 'server' &&
          s.service === span.service &&
          s.startTimeMs - LOCAL_SLACK_MS <= span.startTimeMs &&
          span.startTimeMs <= s.endTimeMs + LOCAL_SLACK_MS,
      );
      if (serving && !makesCall(probe, span.service, port)) {
        return { span, host, owner: index, call: undefined };
      }
      continue;
    }
    const call = probe.calls.find(
      (c) =>
        !c.external &&
        !probe.breaks.some((b) => b.cause.kind === 'call' && b.cause.call === c) &&
        (port === undefined || spanPort(c.client) === undefined || spanPort(c.client) === port) &&
        c.client.startTimeMs - skewMs <= span.startTimeMs &&
        span.startTimeMs <= c.client.endTimeMs + skewMs,
    );
    if (call !== undefined) return { span, host, owner: index, call };
  }
  return undefined;
}

/** The probe's traces hold a client span of `service` to `port` (any port when unknown). */
function makesCall(probe: ProbeAnalysis, service: string, port: number | undefined): boolean {
  return probe.component.some((graph) =>
    graph.spans.some(
      (s) =>
        s.kind === 'client' &&
        s.service === service &&
        (port === undefined || spanPort(s) === undefined || spanPort(s) === port),
    ),
  );
}
