import type { SpansByTrace } from './spans';
import type { SpanRecord } from './types';

/**
 * Where a request of the run may have lost the probe's context: spans that begin a trace other
 * than a probe's.
 * - `new-root`: a span with no parent. A server span (the callee extracted nothing), or a client
 *   or internal span (a service made a call, or began its work, outside the request's context).
 * - `foreign`: a server span whose parent is in no exported trace: something between the caller
 *   and this service (a proxy, a gateway, an uninstrumented caller) sent a context of its own.
 * Unrelated traffic (a health check, a background job) looks the same; attribution decides
 * which of these a probe caused, and the rest are left alone.
 */
export interface Break {
  span: SpanRecord;
  kind: 'new-root' | 'foreign';
}

/** Candidates only, in start order: never all spans sorted. */
export function findBreaks(byTrace: SpansByTrace, probeTraces: ReadonlySet<string>): Break[] {
  const breaks: Break[] = [];
  const unresolvedServers: SpanRecord[] = [];
  for (const [traceId, spans] of byTrace) {
    if (probeTraces.has(traceId)) continue;
    const ids = new Set<string>();
    // Stryker disable next-line all: equivalent, the index only spares the run-wide one below
    for (const span of spans) ids.add(span.spanId);
    for (const span of spans) {
      if (span.parentSpanId === undefined) breaks.push({ span, kind: 'new-root' });
      else if (span.kind === 'server' && !ids.has(span.parentSpanId)) unresolvedServers.push(span);
    }
  }
  // Stryker disable next-line EqualityOperator,ConditionalExpression: equivalent, an empty list makes no breaks either way
  if (unresolvedServers.length > 0) {
    // Only now pay for an index of every span id: the parent may sit in another exported trace
    // (a trace id rewritten mid-way keeps the chain visible; a proxy's own context does not).
    const exported = new Set<string>();
    for (const spans of byTrace.values()) for (const span of spans) exported.add(span.spanId);
    for (const span of unresolvedServers) {
      if (!exported.has(span.parentSpanId!)) breaks.push({ span, kind: 'foreign' });
    }
  }
  return breaks.sort((a, b) => a.span.startTimeMs - b.span.startTimeMs);
}
