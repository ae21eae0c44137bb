import { attribute, type Attribution } from './attribution';
import { findBreaks } from './breaks';
import { isExternal, listenersOf, type Listeners } from './destinations';
import { findLeaks, type Continuations } from './leaks';
import { groupByTrace, type SpansByTrace } from './spans';
import {
  DEFAULT_MAX_CLOCK_SKEW_MS,
  type ExternalCall,
  type TargetInput,
  type TargetProbe,
} from './target-types';
import { KIND } from './span-columns';
import { buildTraceGraph, type TraceGraph } from './trace-graph';
import type { SpanRecord } from './types';

/**
 * What the spans say about each probe, before any verdict: its trace, the traces that broke off
 * it, the calls nobody answered, the breaks it caused and the leaks it took part in. Shared by
 * the verdict (verifyTarget) and the wait (is every probe's trace closed yet?).
 */

/** A client span of a probe's trace (or of a trace broken off it) that no server span answered. */
export interface Call {
  client: SpanRecord;
  /** Index of the probe whose trace holds it. */
  probe: number;
  /** Declared in `external-calls`: listed, never failed. */
  external: boolean;
}

export interface ProbeAnalysis {
  probe: TargetProbe;
  /** The probe's own trace. */
  graph: TraceGraph;
  /** The probe's trace first, then every trace attributed to it as broken off. */
  component: TraceGraph[];
  /** Server spans of the probe's trace whose parent is the probe: the entry joined. */
  entrySpans: SpanRecord[];
  /** Unanswered calls only: a healthy trace of a million spans keeps none. */
  calls: Call[];
  breaks: Attribution[];
}

export interface RunAnalysis {
  probes: ProbeAnalysis[];
  /** Spans that continued a context after its work ended: leaks, and work done right. */
  continuations: Continuations;
  listeners: Listeners;
  byTrace: SpansByTrace;
  /** Spans exported per service, whatever their trace. */
  spanCounts: ReadonlyMap<string, number>;
  /**
   * Services whose exporter writes the trace flags into OTLP Span.flags, as proven by a span
   * with the sampled bit set. Others (OpenTelemetry Go's and Python's exporters) set only the
   * is-remote bits, so a cleared sampled bit from them says nothing.
   */
  flagWriters: ReadonlySet<string>;
  skewMs: number;
}

export function analyzeRun(input: TargetInput): RunAnalysis {
  const byTrace = groupByTrace(input.spans);
  const externals = input.externalCalls ?? [];
  const skewMs = input.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  const probes = input.probes.map((probe, index): ProbeAnalysis => {
    const graph = buildTraceGraph(probe.traceId, byTrace.get(probe.traceId) ?? []);
    return {
      probe,
      graph,
      component: [graph],
      entrySpans: entrySpansOf(graph, probe.spanId),
      calls: callsOf(graph, index, externals),
      breaks: [],
    };
  });
  // Each probe's index, for the calls of the traces attached to it: a search of the probes per
  // attached trace was probes x traces.
  const indexOf = new Map(probes.map((probe, index) => [probe, index]));
  const { listeners, spanCounts, clientServices, flagWriters } = listenersOf(input.spans);
  const probeTraces = new Set(input.probes.map((p) => p.traceId));
  const breaks = findBreaks(byTrace, probeTraces);
  const otherCalls = breaks.length ? unansweredElsewhere(byTrace, probeTraces) : [];
  const traceSpans = (traceId: string): readonly SpanRecord[] => byTrace.get(traceId) ?? [];
  const options = { skewMs, listeners, clientServices, otherCalls, traceSpans, spans: input.spans };
  attribute(breaks, probes, options, (probe, traceId) => {
    const graph = buildTraceGraph(traceId, byTrace.get(traceId) ?? []);
    probe.component.push(graph);
    // One at a time: a spread of a trace's calls passes each as an argument, and a trace of a
    // few hundred thousand unanswered calls overflows the stack.
    for (const call of callsOf(graph, indexOf.get(probe)!, externals)) probe.calls.push(call);
  });
  return {
    probes,
    continuations: findLeaks(probes, byTrace, skewMs),
    listeners,
    byTrace,
    spanCounts,
    flagWriters,
    skewMs,
  };
}

/** Server spans whose parent is the probe. */
function entrySpansOf(graph: TraceGraph, probeSpanId: string): SpanRecord[] {
  const { spans, kinds, parents } = graph;
  // A parent that resolved in the trace is not the probe, unless a span there has the probe's id.
  const resolvedIsNotProbe = graph.indexOf(probeSpanId) < 0;
  const entries: SpanRecord[] = [];
  for (let position = 0; position < spans.length; position += 1) {
    if (kinds[position] !== KIND.server || (resolvedIsNotProbe && parents[position]! >= 0))
      continue;
    const span = spans[position]!;
    if (span.parentSpanId === probeSpanId) entries.push(span);
  }
  return entries;
}

function callsOf(graph: TraceGraph, probe: number, externals: readonly ExternalCall[]): Call[] {
  const calls: Call[] = [];
  const { spans, kinds } = graph;
  for (let position = 0; position < spans.length; position += 1) {
    if (kinds[position] !== KIND.client || graph.isAnswered(position)) continue;
    const span = spans[position]!;
    calls.push({ client: span, probe, external: isExternal(span, externals) });
  }
  return calls;
}

/** Calls still waiting for an answer (not answered, not declared external). */
export function openCalls(analysis: ProbeAnalysis): Call[] {
  return analysis.calls.filter((call) => !call.external);
}

/** Client spans no server span answered, in traces that are no probe's (only when breaks exist). */
function unansweredElsewhere(
  byTrace: SpansByTrace,
  probeTraces: ReadonlySet<string>,
): SpanRecord[] {
  const calls: SpanRecord[] = [];
  for (const [traceId, spans] of byTrace) {
    if (probeTraces.has(traceId)) continue;
    const answered = new Set<string>();
    for (const span of spans) {
      if (span.kind === 'server' && span.parentSpanId !== undefined)
        answered.add(span.parentSpanId);
    }
    for (const span of spans) {
      if (span.kind === 'client' && !answered.has(span.spanId)) calls.push(span);
    }
  }
  return calls;
}
