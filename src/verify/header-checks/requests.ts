import { parseBaggage } from './baggage';
import type { TraceFormat } from '../formats/context-headers';
import { verifyHop } from './hop';
import { describeSpan, groupByTrace, traceIds, type SpansByTrace } from '../spans';
import { addChecks, addHops, failedCheckNames } from '../summaries';
import type {
  CheckSummary,
  Finding,
  HopSummary,
  RequestEvidence,
  RequestVerification,
  SpanRecord,
  Verification,
  VerifyInput,
} from '../types';

/**
 * The verdict: pure, from the services' reports, the headers they received and the exported
 * spans. Knows nothing of GitHub, HTTP servers or the OpenTelemetry SDK. Linear in the number of
 * spans and requests: spans are grouped by trace once.
 */
export function verifyPropagation(input: VerifyInput): Verification {
  const byTrace = groupByTrace(input.spans);
  const owners = serverSpanOwners(input.requests);
  const baggageOwners = new Map(
    input.requests.flatMap((r) => (r.baggage ? [[r.baggage.value, r.index] as const] : [])),
  );
  const checks = new Map<string, CheckSummary>();
  const hops: HopSummary[] = [];
  const requests: RequestVerification[] = [];
  let first: RequestVerification | undefined;
  let firstFailed: RequestVerification | undefined;
  let firstBroken: RequestVerification | undefined;
  for (const request of input.requests) {
    const verified = verifyRequest(request, input, byTrace, {
      servers: owners,
      baggage: baggageOwners,
    });
    addChecks(checks, verified);
    addHops(hops, verified);
    first ??= verified;
    if (!verified.passed) firstFailed ??= verified;
    if (verified.hops.some((h) => !h.passed)) firstBroken ??= verified;
    requests.push(digest(verified));
  }
  const sample = firstBroken ?? firstFailed ?? first;
  if (sample === undefined) throw new Error('no probe request to verify');
  const rows = [...checks.values()];
  return {
    passed: requests.every((r) => r.passed),
    requests,
    checks: rows,
    hops,
    failedChecks: failedCheckNames(rows),
    sample,
  };
}

/**
 * What the report needs of a request once its findings are counted: whether it passed and, when
 * it failed, the failed findings and broken hops. Keeping every finding of a 10,000-request,
 * 16-service run (about a million) took hundreds of megabytes; the sample is kept whole apart.
 * A failed request keeps its spans (references to records the capture holds anyway): the
 * `traces-file` input writes them.
 */
function digest(request: RequestVerification): RequestVerification {
  return {
    ...request,
    evidence: { ...request.evidence, hops: [] },
    findings: request.passed ? [] : request.findings.filter((f) => !f.passed),
    hops: request.passed ? [] : request.hops.filter((h) => !h.passed),
    brokenEdges: [],
    spans: request.passed ? [] : request.spans,
  };
}

/** Which request each server span id and each baggage value belongs to. */
interface Owners {
  servers: ReadonlyMap<string, number>;
  baggage: ReadonlyMap<string, number>;
}

/** Which request reported each server span id: spans of one request must not join another's. */
function serverSpanOwners(requests: readonly RequestEvidence[]): Map<string, number> {
  const owners = new Map<string, number>();
  for (const request of requests) {
    for (const hop of request.hops) {
      owners.set(hop.callerReport.spanId, request.index);
      owners.set(hop.calleeReport.spanId, request.index);
    }
  }
  return owners;
}

function verifyRequest(
  request: RequestEvidence,
  input: VerifyInput,
  byTrace: SpansByTrace,
  owners: Owners,
): RequestVerification {
  const entry = request.hops[0]?.callerReport;
  const traceId = entry?.traceId ?? '';
  const sampled = request.incoming?.sampled ?? true;
  const reportedTraces = new Set(
    request.hops.flatMap((h) => [h.callerReport.traceId, h.calleeReport.traceId]),
  );
  const spans = [...reportedTraces].flatMap((id) => byTrace.get(id) ?? []);

  const findings: Finding[] = [];
  const hops = [];
  const brokenEdges = [];
  for (const [index, hop] of request.hops.entries()) {
    const result = verifyHop(hop, {
      number: index + 1,
      spans,
      formats: input.formats,
      propagatorConfigured: input.propagatorConfigured,
      incoming: request.incoming,
      sampled,
    });
    findings.push(...result.findings);
    hops.push(result.verdict);
    if (result.brokenEdge) brokenEdges.push(result.brokenEdge);
  }
  const graphFindings = sampled ? (input.graphFindings?.get(request.index) ?? []) : [];
  // The graph check judges the entry from the spans when it ran; else the entry's own report.
  const graphEntry = graphFindings.some((f) => f.check === 'entry_joined');
  findings.push(...incomingChecks(request, input.formats, graphEntry));
  findings.push(...baggageChecks(request, owners.baggage));
  if (sampled) {
    findings.push(...traceChecks(request, input.services[0] ?? '', traceId, spans, owners.servers));
    findings.push(...graphFindings);
  }

  return {
    index: request.index,
    evidence: request,
    passed: findings.every((f) => f.passed),
    findings,
    hops,
    brokenEdges,
    traceId,
    spans,
  };
}

/** tracestate members, spaces around them dropped: W3C lets senders add them, propagators drop them. */
function tracestateMembers(header: string | undefined): string {
  return (header ?? '')
    .split(',')
    .map((member) => member.trim())
    .filter((member) => member !== '')
    .join(',');
}

/**
 * With an incoming context: the entry joined the probe's trace (unless the graph check
 * `entry_joined` judged it from the spans), and tracestate arrived intact.
 */
function incomingChecks(
  request: RequestEvidence,
  formats: readonly TraceFormat[],
  graphEntry: boolean,
): Finding[] {
  const incoming = request.incoming;
  const first = request.hops[0];
  const last = request.hops.at(-1);
  if (incoming === undefined || first === undefined || last === undefined) return [];
  const entry = first.callerReport;
  const findings: Finding[] = [];
  if (!graphEntry) {
    findings.push({
      check: 'entry_joined',
      hop: undefined,
      title: `${entry.service} joined the probe's trace${incoming.sampled ? ' as a child of the probe span' : ''}`,
      expected: incoming.sampled
        ? `trace ${incoming.traceId}, parent ${incoming.spanId}`
        : `trace ${incoming.traceId}`,
      observed: incoming.sampled
        ? `trace ${entry.traceId}, parent ${entry.parentSpanId ?? '(none)'}`
        : `trace ${entry.traceId}`,
      passed:
        entry.traceId === incoming.traceId &&
        (!incoming.sampled || entry.parentSpanId === incoming.spanId),
    });
  }
  if (incoming.tracestate !== undefined) {
    const sent = tracestateMembers(incoming.tracestate);
    const changedAt = request.hops.find(
      (hop) => tracestateMembers(hop.headers['tracestate']) !== sent,
    );
    // A composite propagator lets the last extractor win: a format listed after tracecontext
    // replaces the W3C context, and its tracestate with it.
    const later = formats.slice(formats.findIndex((f) => f.name === 'tracecontext') + 1);
    const hint =
      changedAt && later.length > 0
        ? `; ${later.map((f) => f.name).join(', ')} is listed after tracecontext, and the last propagator to extract replaces the W3C context and its tracestate: list tracecontext last`
        : '';
    findings.push({
      check: 'tracestate_propagated',
      hop: undefined,
      title: `tracestate arrives unchanged at ${last.callee}`,
      expected: incoming.tracestate,
      observed: changedAt
        ? `${changedAt.headers['tracestate'] ?? '(none)'} at ${changedAt.callee} (hop ${request.hops.indexOf(changedAt) + 1})${hint}`
        : (last.headers['tracestate'] ?? '(none)'),
      passed: changedAt === undefined,
    });
  }
  return findings;
}

/**
 * With baggage: the entry the first service set arrives at every later service. When another
 * request's entry arrives in its place, the context leaked between requests: say so, rather than
 * calling it missing.
 */
function baggageChecks(
  request: RequestEvidence,
  baggageOwners: ReadonlyMap<string, number>,
): Finding[] {
  const entry = request.baggage;
  const last = request.hops.at(-1);
  if (entry === undefined || last === undefined) return [];
  const lostAt = request.hops.find(
    (hop) => parseBaggage(hop.headers['baggage']).get(entry.key) !== entry.value,
  );
  const arrived = lostAt && parseBaggage(lostAt.headers['baggage']).get(entry.key);
  const owner = arrived === undefined ? undefined : baggageOwners.get(arrived);
  const where = lostAt && `${lostAt.callee} (hop ${request.hops.indexOf(lostAt) + 1}`;
  return [
    {
      check: 'baggage_propagated',
      hop: undefined,
      title: `baggage set at ${request.hops[0]!.caller} arrives at ${last.callee}`,
      expected: `${entry.key}=${entry.value}`,
      observed: !lostAt
        ? `${entry.key}=${entry.value} at ${last.callee}`
        : owner !== undefined
          ? `request ${owner}'s baggage at ${where}: ${entry.key}=${arrived ?? ''}; the context leaked between requests)`
          : `missing at ${where}; baggage header: ${lostAt.headers['baggage'] ?? '(none)'})`,
      passed: lostAt === undefined,
    },
  ];
}

/** One trace, one root (the entry's server span), and no span of another request in it. */
function traceChecks(
  request: RequestEvidence,
  entryService: string,
  traceId: string,
  spans: readonly SpanRecord[],
  owners: ReadonlyMap<string, number>,
): Finding[] {
  const probeSpanId = request.incoming?.spanId;
  const ids = traceIds(spans, traceId);
  const roots = spans.filter((s) => s.parentSpanId === undefined || s.parentSpanId === probeSpanId);
  const rootIsEntry =
    roots.length === 1 && roots[0]?.service === entryService && roots[0]?.kind === 'server';
  const foreign = spans.filter(
    (s) => s.kind === 'server' && owners.get(s.spanId) !== request.index,
  );
  const rootLabel = probeSpanId ? `the child of the probe span ${probeSpanId}` : 'a root';
  return [
    {
      check: 'single_trace',
      hop: undefined,
      title: 'all spans of the request are in one trace',
      expected: `1 trace (${traceId})`,
      observed: `${ids.length} trace${ids.length === 1 ? '' : 's'} (${ids.join(', ') || '(none)'})`,
      passed: ids.length === 1 && ids[0] === traceId,
    },
    {
      check: 'single_root',
      hop: undefined,
      title: `one root span: ${entryService}'s server span, ${rootLabel}`,
      expected: `1 root (${entryService} server span)`,
      observed: `${roots.length} root${roots.length === 1 ? '' : 's'}${roots.length ? ': ' : ''}${roots.map(describeSpan).join('; ')}`,
      passed: rootIsEntry,
    },
    {
      check: 'isolated',
      hop: undefined,
      title: "no server span of another request in this request's trace",
      expected: '0 foreign server spans',
      observed: foreign.length
        ? `${foreign.length}: ${foreign
            .slice(0, 3)
            .map((s) => `${describeSpan(s)} of request ${owners.get(s.spanId) ?? '?'}`)
            .join('; ')}`
        : '0 foreign server spans',
      passed: foreign.length === 0,
    },
  ];
}
