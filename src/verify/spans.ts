import { columnsOf, groupOf, type SpanColumns, withGroup } from './span-columns';
import { spanPort } from './trace-graph';
import type { HopEvidence, SpanRecord } from './types';

/** Spans grouped by trace id, built once for the whole run. */
export type SpansByTrace = ReadonlyMap<string, readonly SpanRecord[]>;

export function groupByTrace(spans: readonly SpanRecord[]): SpansByTrace {
  const groups = new Map<string, readonly SpanRecord[]>();
  // The receiver's spans: by their trace column, without reading a span object.
  const columns = columnsOf(spans);
  if (columns !== undefined) {
    if (groupOf(spans) === undefined) return groupByColumn(spans, columns);
    // One trace only: the spans are the group, as below.
    return groups.set(spans[0]!.traceId, spans);
  }
  // One trace only (one probe's run, however large): the spans are the group, not a copy.
  const only = spans[0]?.traceId;
  let one = true;
  for (let index = 1; one && index < spans.length; index += 1) one = spans[index]!.traceId === only;
  if (one) return only === undefined ? groups : groups.set(only, spans);

  // Spans of one trace mostly come together (an export batch shares its trace id string): look
  // the group up only when the trace id changes.
  let lastId: string | undefined;
  let last: SpanRecord[] = [];
  const lists = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    if (span.traceId !== lastId) {
      lastId = span.traceId;
      const group = lists.get(lastId);
      if (group === undefined) lists.set(lastId, (last = []));
      else last = group;
    }
    last.push(span);
  }
  return lists;
}

/**
 * `groupByTrace` for the receiver's spans: by the trace column, counted then placed (two
 * passes over an array of numbers), each group marked with where its spans lie in the columns.
 * The groups and their order are those of the span objects: traces in order of first
 * appearance, each trace's spans in store order.
 */
function groupByColumn(spans: readonly SpanRecord[], columns: SpanColumns): SpansByTrace {
  const count = spans.length;
  const { traceOf, traceIds } = columns;
  // Traces numbered in the store's order of first appearance: the snapshot's are below the
  // highest number it holds.
  let traces = 0;
  for (let position = 0; position < count; position += 1) {
    if (traceOf[position]! >= traces) traces = traceOf[position]! + 1;
  }
  const starts = new Int32Array(traces + 1);
  for (let position = 0; position < count; position += 1) starts[traceOf[position]! + 1]! += 1;
  for (let trace = 0; trace < traces; trace += 1) starts[trace + 1]! += starts[trace]!;
  const order = new Int32Array(count);
  const next = starts.slice(0, traces);
  for (let position = 0; position < count; position += 1) {
    const trace = traceOf[position]!;
    order[next[trace]!] = position;
    next[trace]! += 1;
  }
  const groups = new Map<string, readonly SpanRecord[]>();
  for (let trace = 0; trace < traces; trace += 1) {
    const from = starts[trace]!;
    const to = starts[trace + 1]!;
    // A trace numbered in the store but none of whose spans is in the snapshot: no group.
    if (from === to) continue;
    const group = new Array<SpanRecord>(to - from);
    for (let slot = from; slot < to; slot += 1) group[slot - from] = spans[order[slot]!]!;
    const at = order.subarray(from, to);
    groups.set(traceIds[trace]!, withGroup(group, { columns, at }));
  }
  return groups;
}

/** The callee's server span for a hop: the one it reported, or its only server span. */
export function findCalleeServerSpan(
  spans: readonly SpanRecord[],
  hop: HopEvidence,
): SpanRecord | undefined {
  const servers = spans.filter((s) => s.service === hop.callee && s.kind === 'server');
  return servers.find((s) => s.spanId === hop.calleeReport.spanId);
}

/**
 * The caller's client span for a hop: a client span of the caller, in the caller's trace, whose
 * peer port is the one it called (when no span carries a port, the caller's only client span).
 * Where several qualify (another request's call leaked into this trace), the one the header
 * names wins.
 */
export function findCallerClientSpan(
  spans: readonly SpanRecord[],
  hop: HopEvidence,
  headerParentId: string | undefined,
): SpanRecord | undefined {
  const clients = spans.filter(
    (s) =>
      s.service === hop.caller && s.kind === 'client' && s.traceId === hop.callerReport.traceId,
  );
  const candidates = clients.filter((s) => spanPort(s) === hop.calleePort);
  if (candidates.length === 0 && clients.length === 1 && spanPort(clients[0]!) === undefined) {
    candidates.push(clients[0]!);
  }
  return candidates.find((s) => s.spanId === headerParentId) ?? candidates[0];
}

/** Trace ids, `first` (the entry's) leading, then in order of appearance. */
export function traceIds(spans: readonly SpanRecord[], first: string): string[] {
  const ids = new Set(spans.map((s) => s.traceId));
  return ids.has(first) ? [first, ...[...ids].filter((id) => id !== first)] : [...ids];
}

/** A short label for a span in messages: `service-a: GET (0123456789abcdef)`. */
export function describeSpan(span: SpanRecord): string {
  return `${span.service}: ${span.name} (${span.spanId})`;
}
