import { analyzeRun, type ProbeAnalysis } from './analysis';
import { probeEdges } from './edges';
import { targetAnswered } from './graph-checks/answered';
import { callsAnswered } from './graph-checks/calls-answered';
import type { CheckContext, CheckResult } from './graph-checks/context';
import { entryJoined } from './graph-checks/entry-joined';
import { expectedServicesPresent } from './graph-checks/expected-services';
import { noForeignTraces } from './graph-checks/foreign-traces';
import { contextIsolated } from './graph-checks/isolation';
import { noNewRoots } from './graph-checks/one-root';
import {
  parentsResolved,
  remoteParentExtracted,
  serverParentIsClient,
} from './graph-checks/parents';
import { sampledFlagKept } from './graph-checks/sampling';
import { spanIdsUnique } from './graph-checks/span-ids';
import { failedCheckNames, summarizeChecks } from './summaries';
import { buildTraceGraph } from './trace-graph';
import type {
  ServiceEdge,
  TargetInput,
  TargetProbeVerification,
  TargetVerification,
} from './target-types';
import type { Finding } from './types';

export * from './target-types';

/**
 * Target mode: the user's own services, in any language, judged from the spans they exported
 * alone, by the causal structure of each probe's trace. Pure: probes and spans in, findings out.
 */

/** The graph checks, in the order the report lists them. */
const CHECKS: readonly ((ctx: CheckContext) => CheckResult | undefined)[] = [
  targetAnswered,
  entryJoined,
  callsAnswered,
  noNewRoots,
  noForeignTraces,
  parentsResolved,
  serverParentIsClient,
  remoteParentExtracted,
  sampledFlagKept,
  contextIsolated,
  spanIdsUnique,
  expectedServicesPresent,
];

export function verifyTarget(input: TargetInput): TargetVerification {
  const run = analyzeRun(input);
  const shared: Shared = { findings: new Map(), edges: new Map() };
  const probes = run.probes.map((probe, index) => {
    const verification = verifyProbe({ input, run, index, probe }, shared);
    // Judged: the checks of later probes read this probe's request only (never its graphs, its
    // calls or its breaks), so its trace graphs, the bulk of the analysis, are let go here
    // rather than held until the last probe is judged (with 10,000 probes, about 7 KB each).
    run.probes[index] = judged(probe);
    return verification;
  });
  const checks = summarizeChecks(probes);
  const sample = probes.find((p) => !p.passed) ?? probes[0];
  if (sample === undefined) throw new Error('no probe request to verify');
  const passed = probes.every((p) => p.passed);
  return { passed, probes, checks, failedChecks: failedCheckNames(checks), sample };
}

/** What is left of a probe's analysis once it is judged: its request, and no graph. */
function judged(probe: ProbeAnalysis): ProbeAnalysis {
  return {
    probe: probe.probe,
    graph: NO_SPANS,
    component: NONE,
    entrySpans: NONE,
    calls: NONE,
    breaks: NONE,
  };
}

/** The empty lists of every judged probe: one frozen array, never written (see `judged`). */
const NONE = Object.freeze([]) as never[];

const NO_SPANS = buildTraceGraph('', []);

/**
 * Findings and edges equal to one of an earlier probe, by content: that one's object, frozen.
 * Probes of one service graph mostly read alike (12 findings and a few dozen edges each), so
 * 10,000 probes hold a few hundred objects rather than 400,000. The JSON is the same. Looked up
 * by a name the object already has (the check, the caller), then compared field by field among
 * at most `SHARED_PER_NAME` known ones: no key string is built per finding or edge.
 */
interface Shared {
  findings: Map<string, Finding[]>;
  edges: Map<string, ServiceEdge[]>;
}

const SHARED_PER_NAME = 32;

function intern<T extends object>(
  map: Map<string, T[]>,
  name: string,
  value: T,
  same: (a: T, b: T) => boolean,
): T {
  let known = map.get(name);
  if (known === undefined) map.set(name, (known = []));
  for (const candidate of known) if (same(candidate, value)) return candidate;
  Object.freeze(value);
  if (known.length < SHARED_PER_NAME) known.push(value);
  return value;
}

const sameFinding = (a: Finding, b: Finding): boolean =>
  a.passed === b.passed &&
  a.observed === b.observed &&
  a.expected === b.expected &&
  a.title === b.title;

const sameEdge = (a: ServiceEdge, b: ServiceEdge): boolean =>
  a.to === b.to && a.broken === b.broken && a.external === b.external && a.call === b.call;

function verifyProbe(ctx: CheckContext, shared: Shared): TargetProbeVerification {
  const findings: Finding[] = [];
  // The same break can be told by two checks (a dangling parent and a missing service): once.
  const diagnoses = new Set<string>();
  const graph = ctx.probe.graph;
  for (const check of CHECKS) {
    const result = check(ctx);
    if (result === undefined) continue;
    const finding: Finding = { ...result.finding, hop: undefined };
    findings.push(intern(shared.findings, finding.check, finding, sameFinding));
    for (const diagnosis of result.diagnoses) diagnoses.add(diagnosis);
  }
  return {
    index: ctx.probe.probe.index,
    traceId: ctx.probe.probe.traceId,
    passed: findings.every((f) => f.passed),
    findings,
    diagnoses: [...diagnoses],
    // The trace's own group (every trace but a run's only one): shared, not copied. A run of one
    // trace is grouped as the input's own array, which the caller may still add to: copied.
    spans: graph.spans === ctx.input.spans ? graph.spans.slice() : graph.spans,
    entry: ctx.probe.entrySpans[0]?.service,
    edges: probeEdges(ctx).map((edge) => intern(shared.edges, edge.from, edge, sameEdge)),
  };
}
