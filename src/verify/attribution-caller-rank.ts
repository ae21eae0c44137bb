import type { State } from './attribution-state';
import type { SpanRecord } from './types';

/**
 * How rule 3 (attribution-callers.ts) ranks the server spans in flight as the caller of a
 * callee that began a trace, and the client spans each request made.
 */

/** The server span began no later than the callee and ended no earlier, within the skew. */
export function encloses(span: SpanRecord, callee: SpanRecord, state: State): boolean {
  return (
    span.startTimeMs <= callee.startTimeMs && callee.endTimeMs <= span.endTimeMs + state.skewMs
  );
}

/**
 * How likely a server span in flight is the request that called `callee` without a client span,
 * compared in order (lower first):
 * 1. it was not waiting on an instrumented call of its own at that moment;
 * 2. it encloses the callee (a synchronous call lies inside its caller's request);
 * 3. its service never exported a client span (an instrumented client would have);
 * 4. it fits the callee tightest: the gaps before the callee began and after it ended. Under
 *    concurrency each request's call lies closest inside that request, not inside a neighbour's.
 */
export type CallerRank = readonly [
  waiting: number,
  outside: number,
  hasClient: number,
  gapMs: number,
];

export function callerRank(span: SpanRecord, callee: SpanRecord, state: State): CallerRank {
  const at = callee.startTimeMs;
  const gapMs = Math.abs(at - span.startTimeMs) + Math.abs(span.endTimeMs - callee.endTimeMs);
  return [
    awaitsCall(span, at, state) ? 1 : 0,
    encloses(span, callee, state) ? 0 : 1,
    state.clientServices.has(span.service) ? 1 : 0,
    gapMs,
  ];
}

export function compareRanks(a: CallerRank, b: CallerRank): number {
  for (let index = 0; index < a.length; index += 1) {
    const difference = a[index]! - b[index]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The server span has a client span of its own in flight at `at`. */
function awaitsCall(server: SpanRecord, at: number, state: State): boolean {
  return clientsUnder(server, state).some(
    (client) => client.startTimeMs <= at && at <= client.endTimeMs,
  );
}

/**
 * The client spans made in the server span's request: its children, and the client spans under
 * spans its service put in between (Koa's and Express's middleware spans, Spring's controller
 * spans, manual spans). Without those, an instrumented caller built on such a framework read as
 * one that made no instrumented call: a forwarder that rule 3 blamed for a health check.
 * Indexed per trace when first asked.
 */
export function clientsUnder(server: SpanRecord, state: State): readonly SpanRecord[] {
  let byRequest = state.clientsByParent.get(server.traceId);
  if (byRequest === undefined) {
    byRequest = new Map();
    const spans = state.traceSpans(server.traceId);
    const requestOf = requestFinder(spans);
    for (const span of spans) {
      if (span.kind !== 'client') continue;
      const request = requestOf(span);
      if (request === undefined) continue;
      const siblings = byRequest.get(request);
      if (siblings === undefined) byRequest.set(request, [span]);
      else siblings.push(span);
    }
    state.clientsByParent.set(server.traceId, byRequest);
  }
  return byRequest.get(server.spanId) ?? [];
}

/**
 * For a client span of one trace, the id of the server span whose request made it: its parent
 * when that is a server span, else the nearest server ancestor through spans of the client's
 * own service that are neither server nor client spans. The answer for each span passed through
 * is kept, so a trace costs one walk of each chain; a chain longer than the trace (a cycle of
 * parent ids) ends the walk.
 */
function requestFinder(spans: readonly SpanRecord[]): (client: SpanRecord) => string | undefined {
  const byId = new Map<string, SpanRecord>();
  for (const span of spans) byId.set(span.spanId, span);
  const known = new Map<string, string | undefined>();
  return (client) => {
    const passed: string[] = [];
    let found: string | undefined;
    for (let parentId = client.parentSpanId; parentId !== undefined;) {
      const parent = byId.get(parentId);
      if (parent === undefined) break;
      if (parent.kind === 'server') {
        found = parent.spanId;
        break;
      }
      const between = parent.kind !== 'client' && parent.service === client.service;
      if (!between || passed.length > spans.length) break;
      // Known for a span of the client's own service: the answer is the same for every client.
      if (known.has(parentId)) {
        found = known.get(parentId);
        break;
      }
      passed.push(parentId);
      parentId = parent.parentSpanId;
    }
    for (const id of passed) known.set(id, found);
    return found;
  };
}
