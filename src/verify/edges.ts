import { callAddress, calleeOf } from './destinations';
import type { CheckContext } from './graph-checks/context';
import { calleeName } from './graph-checks/context';
import type { ServiceEdge } from './target-types';
import { KIND } from './span-columns';
import { describeCall, describeServerCall, type TraceGraph } from './trace-graph';

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

/** `answeredEdges`' table of pairs, for traces of up to 256 services; all zero between calls. */
let pairScratch = new Int32Array(400);

/**
 * Calls answered inside one trace. Keyed caller -> callee as it goes, without building a string
 * or describing a call per span: a trace of a million spans costs one read of a small typed
 * array per server span (one slot per pair of the trace's services).
 */
function answeredEdges(graph: TraceGraph, add: (edge: ServiceEdge, at: number) => void): void {
  const services = graph.serviceNames.length;
  // Caller * services + callee -> the position of the earliest server span answering such a
  // call, plus one (0: none yet); pairs in the order first seen. A map past 256 services.
  // The dense table is one kept for every trace (zero between uses): 10,000 probes allocate
  // no buffer each for it.
  if (services <= 256 && pairScratch.length < services * services)
    pairScratch = new Int32Array(Math.max(services * services, 400));
  const dense = services <= 256 ? pairScratch : undefined;
  const sparse = dense === undefined ? new Map<number, number>() : undefined;
  const pairs: number[] = [];
  try {
    addAnswered(graph, pairs, dense, sparse, add);
  } finally {
    if (dense !== undefined) for (const pair of pairs) dense[pair] = 0;
  }
}

/** `answeredEdges` once the pairs are counted in `dense` or `sparse`. */
function addAnswered(
  graph: TraceGraph,
  pairs: number[],
  dense: Int32Array | undefined,
  sparse: Map<number, number> | undefined,
  add: (edge: ServiceEdge, at: number) => void,
): void {
  const { spans, kinds, parents, serviceOf, serviceNames, starts } = graph;
  const services = serviceNames.length;
  for (let position = 0; position < spans.length; position += 1) {
    const parent = parents[position]!;
    if (kinds[position] !== KIND.server || parent < 0 || kinds[parent] !== KIND.client) continue;
    const pair = serviceOf[parent]! * services + serviceOf[position]!;
    const known = dense !== undefined ? dense[pair]! : (sparse!.get(pair) ?? 0);
    if (known === 0) pairs.push(pair);
    if (known !== 0 && starts[position]! >= starts[known - 1]!) continue;
    if (dense !== undefined) dense[pair] = position + 1;
    else sparse!.set(pair, position + 1);
  }
  const first = (pair: number): number => dense?.[pair] ?? sparse!.get(pair)!;
  // Callers in the order first seen, each caller's callees in the order first seen.
  const callerRank = new Map<number, number>();
  for (const pair of pairs) {
    const caller = Math.floor(pair / services);
    if (!callerRank.has(caller)) callerRank.set(caller, callerRank.size);
  }
  const byCaller = (a: number, b: number): number =>
    callerRank.get(Math.floor(a / services))! - callerRank.get(Math.floor(b / services))!;
  for (const pair of pairs.sort(byCaller)) {
    const position = first(pair) - 1;
    const call = describeCall(spans[parents[position]!]!);
    add(
      {
        from: serviceNames[Math.floor(pair / services)]!,
        to: serviceNames[pair % services]!,
        call,
        broken: false,
      },
      starts[position]!,
    );
  }
}
