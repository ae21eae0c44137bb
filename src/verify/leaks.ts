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
  const owners = new OwnerIndex(probes);
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
      const leak = ownerOf(span, host, owners, skewMs);
      if (leak !== undefined) leaks.push(leak);
      else if (host !== undefined) afterAnswer[host]!.push(span);
    }
  }
  return { leaks, afterAnswer };
}

function ownerOf(
  span: SpanRecord,
  host: number | undefined,
  owners: OwnerIndex,
  skewMs: number,
): Leak | undefined {
  const port = spanPort(span);
  const { probes } = owners;
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
      if (serving && !owners.makesCall(index, span.service, port)) {
        return { span, host, owner: index, call: undefined };
      }
      continue;
    }
    const call = owners
      .unexplained(index)
      .find(
        (c) =>
          (port === undefined || spanPort(c.client) === undefined || spanPort(c.client) === port) &&
          c.client.startTimeMs - skewMs <= span.startTimeMs &&
          span.startTimeMs <= c.client.endTimeMs + skewMs,
      );
    if (call !== undefined) return { span, host, owner: index, call };
  }
  return undefined;
}

/**
 * What `ownerOf` asks of each probe, indexed once per probe on first use. A probe with n traces
 * attached holds n calls, most explained by its n breaks, and n traces of client spans: asking
 * for every late span "which of its calls did no break explain" (a search of the breaks per
 * call) and "does it call this service's port" (a walk of every attached trace) was n^2 per
 * late span. Both are asked only after attribution, when the probes' calls, breaks and traces
 * are complete.
 */
class OwnerIndex {
  private readonly open = new Map<number, Call[]>();
  private readonly clients = new Map<number, Map<string, ClientPorts>>();

  constructor(readonly probes: readonly ProbeAnalysis[]) {}

  /** The probe's calls not declared external that no break explains, in its order. */
  unexplained(index: number): Call[] {
    let open = this.open.get(index);
    if (open === undefined) {
      const probe = this.probes[index]!;
      const explained = new Set<Call>();
      for (const b of probe.breaks) if (b.cause.kind === 'call') explained.add(b.cause.call);
      open = probe.calls.filter((c) => !c.external && !explained.has(c));
      this.open.set(index, open);
    }
    return open;
  }

  /** The probe's traces hold a client span of `service` to `port` (any port when unknown). */
  makesCall(index: number, service: string, port: number | undefined): boolean {
    let byService = this.clients.get(index);
    if (byService === undefined) {
      byService = new Map();
      for (const graph of this.probes[index]!.component) {
        for (const s of graph.spans) {
          if (s.kind !== 'client') continue;
          let ports = byService.get(s.service);
          if (ports === undefined)
            byService.set(s.service, (ports = { portless: false, ports: new Set() }));
          const own = spanPort(s);
          if (own === undefined) ports.portless = true;
          // A port that is not a number (NaN) equals no port, where a Set would find it.
          else if (!Number.isNaN(own)) ports.ports.add(own);
        }
      }
      this.clients.set(index, byService);
    }
    const ports = byService.get(service);
    return ports !== undefined && (port === undefined || ports.portless || ports.ports.has(port));
  }
}

/** The ports a service's client spans called in one probe's traces; `portless`: one named none. */
interface ClientPorts {
  portless: boolean;
  ports: Set<number>;
}
