import { callAddress, calleeOf } from './destinations';
import type { CheckContext } from './graph-checks/context';
import { calleeName } from './graph-checks/context';
import type { ServiceEdge } from './target-types';
import { describeCall, describeServerCall, parentAt, type TraceGraph } from './trace-graph';
import type { SpanRecord } from './types';

/**
 * Every edge of a probe's trace, in call order: the probe's own request to the entry, each call
 * answered inside the trace (or a trace broken off it), each broken call, each call to a declared
 * external destination. One edge per caller, callee and state, so a trace of a million spans
 * yields a handful.
 */
export function probeEdges(ctx: CheckContext): ServiceEdge[] {
  const edges = new Map<string, { edge: ServiceEdge; at: number }>();
  const add = (edge: ServiceEdge, at: number): void => {
    const key = `${edge.from}\u0000${edge.to}\u0000${edge.broken}\u0000${edge.external === true}`;
    const known = edges.get(key);
    if (known === undefined || at < known.at) edges.set(key, { edge, at });
  };
  const { probe, entrySpans, component, calls, breaks } = ctx.probe;
  const entryBreak = breaks.find((b) => b.cause.kind === 'entry');
  add(
    {
      from: 'probe',
      to: entrySpans[0]?.service ?? entryBreak?.span.service ?? 'target',
      call: ctx.input.request ?? '',
      broken: entrySpans.length === 0,
    },
    probe.startMs - 1,
  );
  for (const graph of component) answeredEdges(graph, add);
  for (const call of calls) {
    const client = call.client;
    add(
      call.external
        ? {
            from: client.service,
            to: callAddress(client),
            call: describeCall(client),
            broken: false,
            external: true,
          }
        : {
            from: client.service,
            to: calleeName(ctx, call),
            call: describeCall(client),
            broken: true,
          },
      client.startTimeMs,
    );
  }
  for (const { span, cause } of breaks) {
    if (cause.kind === 'caller') {
      add(
        {
          from: cause.caller.service,
          to: span.service,
          call: describeServerCall(span),
          broken: true,
        },
        span.startTimeMs,
      );
    } else if (cause.kind === 'local') {
      const to = calleeOf(span, ctx.run.listeners) ?? callAddress(span);
      add({ from: span.service, to, call: describeCall(span), broken: true }, span.startTimeMs);
    }
  }
  return [...edges.values()].sort((a, b) => a.at - b.at).map(({ edge }) => edge);
}

/**
 * Calls answered inside one trace. Keyed caller -> callee as it goes, without building a string
 * or describing a call per span: a trace of a million spans costs one map lookup per server span.
 */
function answeredEdges(graph: TraceGraph, add: (edge: ServiceEdge, at: number) => void): void {
  const first = new Map<string, Map<string, { parent: SpanRecord; at: number }>>();
  const { spans } = graph;
  for (let position = 0; position < spans.length; position += 1) {
    const span = spans[position]!;
    if (span.kind !== 'server') continue;
    const parent = parentAt(graph, position);
    if (parent?.kind !== 'client') continue;
    let callees = first.get(parent.service);
    if (callees === undefined) first.set(parent.service, (callees = new Map()));
    const known = callees.get(span.service);
    if (known === undefined || span.startTimeMs < known.at)
      callees.set(span.service, { parent, at: span.startTimeMs });
  }
  for (const [from, callees] of first) {
    for (const [to, { parent, at }] of callees) {
      add({ from, to, call: describeCall(parent), broken: false }, at);
    }
  }
}
