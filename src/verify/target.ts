import { groupByTrace } from './spans';
import {
  buildTraceGraph,
  describeCall,
  serverPath,
  spanPort,
  type TraceGraph,
} from './trace-graph';
import type { Finding, SpanRecord } from './types';

/**
 * Target mode: the user's own services, in any language, judged from the spans they exported
 * alone. Pure: probes and spans in, findings out.
 */

/** One probe request the action sent, with the context it carried. */
export interface TargetProbe {
  /** 1-based. */
  index: number;
  traceId: string;
  /** The probe's own span id: the parent the entry service's server span must name. */
  spanId: string;
  /** When the probe was sent and answered, in epoch milliseconds. */
  startMs: number;
  endMs: number;
  /** The HTTP status the target answered, or undefined when it did not answer. */
  status: number | undefined;
  /** Why the target did not answer (refused, reset, timed out). */
  error: string | undefined;
}

export interface TargetInput {
  probes: readonly TargetProbe[];
  /** Every span the receiver accepted, from every service, whatever its trace. */
  spans: readonly SpanRecord[];
  /** Services that must appear in each probe's trace. */
  expectServices: readonly string[];
  /** The header the probe carried its context in, for messages (e.g. `traceparent`). */
  header: string;
  /** False when the probe carried no context at all (propagators: none). */
  probeSentContext?: boolean;
  /** Spans the receiver refused (unusable ids), by service: why a service may seem silent. */
  rejected?: readonly { service: string; reason: string }[];
}

/** A call from one service to another, seen in a probe's trace or broken out of it. */
export interface ServiceEdge {
  from: string;
  to: string;
  call: string;
  broken: boolean;
}

export interface TargetProbeVerification {
  index: number;
  traceId: string;
  passed: boolean;
  findings: Finding[];
  /** Diagnoses as a user reads them, one per break. */
  diagnoses: string[];
  /** The spans of the probe's trace. */
  spans: SpanRecord[];
  /** The entry service, when it joined. */
  entry: string | undefined;
  edges: ServiceEdge[];
}

export interface TargetVerification {
  passed: boolean;
  probes: TargetProbeVerification[];
  failedChecks: string[];
  /** The first probe that failed, else the first. */
  sample: TargetProbeVerification;
}

/** The clocks of the probe and of the exporters disagree by no more than this on one machine. */
const EARLY_SLACK_MS = 10;
/** Within one process the clock is one: a child cannot start after its parent ended. */
const LOCAL_SLACK_MS = 1;

export function verifyTarget(input: TargetInput): TargetVerification {
  const byTrace = groupByTrace(input.spans);
  const allServices = new Set(input.spans.map((s) => s.service));
  const graphs = input.probes.map((probe) =>
    buildTraceGraph(probe.traceId, byTrace.get(probe.traceId) ?? []),
  );
  const breaks = assignNewRoots(input.probes, graphs, byTrace);
  const probes = input.probes.map((probe, index) =>
    verifyProbe(probe, graphs[index]!, breaks[index]!, input, allServices),
  );
  const failedChecks = [
    ...new Set(probes.flatMap((p) => p.findings.filter((f) => !f.passed).map((f) => f.check))),
  ];
  const sample = probes.find((p) => !p.passed) ?? probes[0];
  if (sample === undefined) throw new Error('no probe request to verify');
  return { passed: probes.every((p) => p.passed), probes, failedChecks, sample };
}

function verifyProbe(
  probe: TargetProbe,
  graph: TraceGraph,
  breaks: readonly NewRoot[],
  input: TargetInput,
  allServices: ReadonlySet<string>,
): TargetProbeVerification {
  const entrySpans = graph.spans.filter(
    (s) => s.kind === 'server' && s.parentSpanId === probe.spanId,
  );
  const entry = entrySpans[0]?.service;
  const edges = traceEdges(graph, entry);
  const diagnoses: string[] = [];
  const findings: Finding[] = [];
  const add = (finding: Omit<Finding, 'hop'>): void => {
    findings.push({ ...finding, hop: undefined });
  };

  const answered = probe.status !== undefined && probe.status < 500 && probe.error === undefined;
  add({
    check: 'target_answered',
    title: 'the target answered the probe in full (any status below 500)',
    expected: 'a complete HTTP answer below 500',
    observed:
      probe.status === undefined
        ? `no answer: ${probe.error ?? 'unknown'}`
        : `HTTP ${probe.status}${probe.error ? `, then the answer broke off: ${probe.error}` : ''}`,
    passed: answered,
  });
  if (!answered) {
    diagnoses.push(
      probe.status === undefined
        ? `probe -> target: the target did not answer (${probe.error ?? 'unknown'}).`
        : probe.error !== undefined
          ? `probe -> target: the target answered HTTP ${probe.status} but the connection broke before the answer ended (${probe.error}).`
          : `probe -> target: the target answered HTTP ${probe.status}; the trace below is what it produced before failing.`,
    );
  }
  add({
    check: 'entry_joined',
    title: `the entry service joined the probe's trace as a child of the probe span`,
    expected: `a server span in trace ${probe.traceId} with parent ${probe.spanId}`,
    observed: entrySpans.length
      ? `${entrySpans.map((s) => `${s.service}: ${s.name} (${s.spanId})`).join('; ')}`
      : graph.spans.length
        ? `${graph.spans.length} spans in the trace, none a server span whose parent is the probe`
        : "no span in the probe's trace",
    passed: entrySpans.length > 0,
  });
  if (entrySpans.length === 0 && probe.status !== undefined) {
    const orphan = breaks.find((b) => b.client === undefined && b.caller === undefined);
    diagnoses.push(
      orphan
        ? `probe -> ${orphan.root.service} (${describeServerCall(orphan.root)}): ${orphan.root.service} started a new trace; ${input.probeSentContext === false ? 'the probe sent no trace context (no trace-context propagator configured), so nothing could be extracted' : `the ${input.header} header the probe sent was not extracted`}.`
        : `probe -> target: no span joined the probe's trace; the entry service exported nothing for the probe, or did not extract the ${input.header} header.`,
    );
  }

  for (const broken of breaks) {
    const from = broken.client ?? broken.caller;
    const diagnosis = diagnoseNewRoot(broken, input.header);
    if (from === undefined || diagnosis === undefined) continue;
    const call = broken.client ? describeCall(broken.client) : describeServerCall(broken.root);
    edges.push({ from: from.service, to: broken.root.service, call, broken: true });
    diagnoses.push(diagnosis);
  }
  add({
    check: 'no_new_roots',
    title: 'no service started a new trace during the probe',
    expected: '0 new roots',
    observed: breaks.length
      ? breaks
          .map(
            (b) =>
              `${b.root.service}: ${b.root.name} (${b.root.spanId}) in trace ${b.root.traceId}`,
          )
          .join('; ')
      : '0 new roots',
    passed: breaks.length === 0,
  });

  const dangling = graph.spans.filter(
    (s) =>
      s.parentSpanId !== undefined &&
      s.parentSpanId !== probe.spanId &&
      !graph.byId.has(s.parentSpanId),
  );
  for (const span of dangling) {
    diagnoses.push(
      `${span.service}: ${span.name} (${span.spanId}) names parent ${span.parentSpanId}, which no service exported: a service between them exports nothing, or drops spans.`,
    );
  }
  add({
    check: 'parents_resolved',
    title: "every span's parent is in the trace (or is the probe)",
    expected: '0 dangling parents',
    observed: dangling.length
      ? dangling.map((s) => `${s.service}: ${s.name} (${s.spanId}) -> ${s.parentSpanId}`).join('; ')
      : '0 dangling parents',
    passed: dangling.length === 0,
  });

  const notFromClient = graph.spans.filter((s) => {
    const parent = s.parentSpanId === undefined ? undefined : graph.byId.get(s.parentSpanId);
    return (
      s.kind === 'server' &&
      parent !== undefined &&
      parent.kind !== 'client' &&
      parent.kind !== 'producer'
    );
  });
  for (const span of notFromClient) {
    const parent = graph.byId.get(span.parentSpanId!)!;
    diagnoses.push(
      `${parent.service} -> ${span.service} (${serverPath(span) ?? span.name}): ${span.service}'s server span is the child of ${parent.service}'s ${parent.kind} span ${parent.spanId}, not of a client span: ${parent.service}'s outgoing HTTP client is not instrumented.`,
    );
  }
  add({
    check: 'server_parent_is_client',
    title: 'every server span after the entry is the child of a client span',
    expected: 'client parents only',
    observed: notFromClient.length
      ? notFromClient
          .map(
            (s) =>
              `${s.service}: ${s.name} (${s.spanId}) <- ${graph.byId.get(s.parentSpanId!)!.kind} span`,
          )
          .join('; ')
      : 'client parents only',
    passed: notFromClient.length === 0,
  });

  const localParents = graph.spans.filter(
    (s) => s.kind === 'server' && s.parentSpanId !== undefined && s.parentIsRemote === false,
  );
  for (const span of localParents) {
    diagnoses.push(
      `${span.service}: server span ${span.spanId} continued a context from inside its own process (span flags: parent not remote), not the one in the incoming ${input.header} header: extraction failed.`,
    );
  }
  add({
    check: 'remote_parent_extracted',
    title: 'server spans continue the remote parent from the header (OTLP span flags)',
    expected: 'every server span with remote-parent flags has a remote parent',
    observed: localParents.length
      ? localParents.map((s) => `${s.service}: ${s.name} (${s.spanId})`).join('; ')
      : 'as expected',
    passed: localParents.length === 0,
  });

  // Work of this probe starts while its parent is still running. A span that starts after its
  // parent ended (or a server span after the probe was answered) was started later in a context
  // that a service kept: the context leaked to another request.
  // In start order: spans arrive in whatever order the exporters sent them, the report must not.
  const late = [...graph.spans]
    .sort((a, b) => a.startTimeMs - b.startTimeMs)
    .filter((span) => {
      // Calls only: an internal span may follow its parent by design (a deferred task).
      if (span.kind !== 'client' && span.kind !== 'server') return false;
      const parent =
        span.parentSpanId === undefined ? undefined : graph.byId.get(span.parentSpanId);
      if (parent !== undefined) {
        const slack = parent.service === span.service ? LOCAL_SLACK_MS : EARLY_SLACK_MS;
        if (span.startTimeMs > parent.endTimeMs + slack) return true;
      }
      return span.kind === 'server' && span.startTimeMs > probe.endMs + EARLY_SLACK_MS;
    });
  if (late.length > 0) {
    const services = [...new Set(late.map((span) => span.service))].join(', ');
    diagnoses.push(
      `${services}: ${late.length} span${late.length === 1 ? '' : 's'} joined this probe's trace after the work they belong to had ended: a service kept the context and used it for a later request (context leaked between requests).`,
    );
  }
  add({
    check: 'no_late_spans',
    title: "no span joins the probe's trace after its parent ended or the probe was answered",
    expected: '0 late spans',
    observed: late.length
      ? late.map((span) => `${span.service}: ${span.name} (${span.spanId})`).join('; ')
      : '0 late spans',
    passed: late.length === 0,
  });

  if (input.expectServices.length > 0) {
    const present = new Set(graph.spans.map((s) => s.service));
    const missing = input.expectServices.filter((service) => !present.has(service));
    for (const service of missing) {
      const rootedElsewhere = breaks.some((b) => b.root.service === service);
      diagnoses.push(
        !allServices.has(service)
          ? (rejectedNote(service, input.rejected) ??
              `${service} exported no spans at all: check its OTEL_EXPORTER_OTLP_ENDPOINT, its service.name, and that its tracer provider is started.`)
          : rootedElsewhere
            ? `${service} is not in the probe's trace: it started a new trace (see no_new_roots).`
            : `${service} exported spans, but none in the probe's trace: the call to it may not have happened, or its context was lost upstream.`,
      );
    }
    add({
      check: 'expected_services_present',
      title: `every expected service is in the probe's trace (${input.expectServices.join(', ')})`,
      expected: input.expectServices.join(', '),
      observed: missing.length ? `missing: ${missing.join(', ')}` : input.expectServices.join(', '),
      passed: missing.length === 0,
    });
  }

  return {
    index: probe.index,
    traceId: probe.traceId,
    passed: findings.every((f) => f.passed),
    findings,
    diagnoses,
    spans: [...graph.spans],
    entry,
    edges,
  };
}

interface NewRoot {
  root: SpanRecord;
  /** The client span in the probe's trace that made the call, when one matches. */
  client: SpanRecord | undefined;
  /** Without a client span: the server span of the service whose uninstrumented call it was. */
  caller: SpanRecord | undefined;
}

/**
 * Server spans with no parent, in no probe's trace, are the hops where context was lost. Each is
 * given to exactly one probe, in time order, so that a break downstream of a first break can be
 * traced through the trace that broke off:
 * 1. to the probe whose trace (or a trace already broken off it) holds an unanswered client span
 *    whose time window holds the root, the one calling the root's port and the tightest first;
 * 2. else to the probe whose own trace has a server span of another service in flight at that
 *    moment, the latest started (a call that made no client span: an uninstrumented client);
 * 3. else to the latest probe in flight when the root started (the entry did not join).
 * Roots that start before every probe, or while none is in flight, are not the probes' doing.
 */
function assignNewRoots(
  probes: readonly TargetProbe[],
  graphs: readonly TraceGraph[],
  byTrace: ReadonlyMap<string, readonly SpanRecord[]>,
): NewRoot[][] {
  const assigned: NewRoot[][] = probes.map(() => []);
  const connected: TraceGraph[][] = graphs.map((graph) => [graph]);
  const probeTraces = new Set(probes.map((probe) => probe.traceId));
  const roots = [...byTrace.values()]
    .flatMap((spans) => spans.filter((s) => s.kind === 'server' && s.parentSpanId === undefined))
    .filter((root) => !probeTraces.has(root.traceId))
    .sort((a, b) => a.startTimeMs - b.startTimeMs);
  for (const root of roots) {
    const holds = (from: number, to: number): boolean =>
      from - EARLY_SLACK_MS <= root.startTimeMs && root.startTimeMs <= to + EARLY_SLACK_MS;
    let best: { probe: number; root: NewRoot; score: number } | undefined;
    connected.forEach((graphsOfProbe, index) => {
      for (const graph of graphsOfProbe) {
        for (const client of graph.spans) {
          if (client.kind !== 'client' || graph.answeredCalls.has(client.spanId)) continue;
          if (!holds(client.startTimeMs, client.endTimeMs)) continue;
          // Lower is better: a call to the root's own port first, then the tightest window.
          const score =
            (spanPort(client) === spanPort(root) ? 0 : 1e12) +
            (client.endTimeMs - client.startTimeMs);
          if (best === undefined || score < best.score) {
            best = { probe: index, root: { root, client, caller: undefined }, score };
          }
        }
      }
    });
    if (best === undefined) {
      graphs.forEach((graph, index) => {
        for (const caller of graph.spans) {
          if (caller.kind !== 'server' || caller.service === root.service) continue;
          if (!holds(caller.startTimeMs, caller.endTimeMs)) continue;
          const score = 2e12 - caller.startTimeMs;
          if (best === undefined || score < best.score) {
            best = { probe: index, root: { root, client: undefined, caller }, score };
          }
        }
      });
    }
    if (best === undefined) {
      probes.forEach((probe, index) => {
        if (!holds(probe.startMs, probe.endMs)) return;
        const score = 3e12 - probe.startMs;
        if (best === undefined || score < best.score) {
          best = { probe: index, root: { root, client: undefined, caller: undefined }, score };
        }
      });
    }
    if (best === undefined) continue;
    assigned[best.probe]!.push(best.root);
    connected[best.probe]!.push(buildTraceGraph(root.traceId, byTrace.get(root.traceId) ?? []));
  }
  return assigned;
}

/** Why an expected service seems silent when the receiver refused its spans. */
function rejectedNote(service: string, rejected: TargetInput['rejected']): string | undefined {
  const refused = (rejected ?? []).filter((span) => span.service === service);
  if (refused.length === 0) return undefined;
  return `${service} exported spans, but the receiver refused ${refused.length === 1 ? 'it' : `all ${refused.length}`} (${refused[0]!.reason}): all-zero ids usually mean two copies of the OpenTelemetry API in that service, so its spans are no-ops.`;
}

/** Says where a new root came from, as the user reads it. */
function diagnoseNewRoot(broken: NewRoot, header: string): string | undefined {
  const { root, client, caller } = broken;
  const received = describeServerCall(root);
  if (client) {
    const [calledPort, rootPort] = [spanPort(client), spanPort(root)];
    const proxy =
      calledPort !== undefined && rootPort !== undefined && calledPort !== rootPort
        ? ` The call went to port ${calledPort} and ${root.service} listens on ${rootPort}: something in between (a proxy or gateway) handled it and may have dropped the header.`
        : '';
    return `${client.service} -> ${root.service} (${describeCall(client)}): ${root.service} started a new trace; the ${header} header did not arrive or was not extracted.${proxy}`;
  }
  if (caller) {
    return `${caller.service} -> ${root.service} (${received}): ${root.service} started a new trace, and ${caller.service} exported no client span for the call: its HTTP client is not instrumented (global fetch needs @opentelemetry/instrumentation-undici).`;
  }
  return undefined;
}

/** `GET /pay` for a server span, as far as its attributes tell. */
function describeServerCall(span: SpanRecord): string {
  const method = span.attributes['http.request.method'] ?? span.attributes['http.method'] ?? '';
  return `${String(method)} ${serverPath(span) ?? span.name}`.trim();
}

/**
 * Calls inside the trace, one edge per pair of services: each server span whose parent is a
 * client span of another service. Ordered by first call, so the diagram reads in call order.
 * Deduplicated as it goes, so a trace of a million spans yields a handful of edges.
 */
function traceEdges(graph: TraceGraph, entry: string | undefined): ServiceEdge[] {
  // Keyed caller -> callee -> first call, without building a key string per span.
  const edges = new Map<string, Map<string, { edge: ServiceEdge; at: number }>>();
  for (const span of graph.spans) {
    if (span.kind !== 'server' || span.parentSpanId === undefined) continue;
    const parent = graph.byId.get(span.parentSpanId);
    if (parent?.kind !== 'client') continue;
    let callees = edges.get(parent.service);
    if (callees === undefined) edges.set(parent.service, (callees = new Map()));
    const known = callees.get(span.service);
    if (known === undefined || span.startTimeMs < known.at) {
      const edge = {
        from: parent.service,
        to: span.service,
        call: describeCall(parent),
        broken: false,
      };
      callees.set(span.service, { edge, at: span.startTimeMs });
    }
  }
  const ordered = [...edges.values()]
    .flatMap((callees) => [...callees.values()])
    .sort((a, b) => a.at - b.at)
    .map(({ edge }) => edge);
  return entry ? [{ from: 'probe', to: entry, call: '', broken: false }, ...ordered] : ordered;
}
