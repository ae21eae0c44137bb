import { analyzeRun } from './analysis';
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
import type { TargetInput, TargetProbeVerification, TargetVerification } from './target-types';
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
  const probes = run.probes.map((probe, index) => verifyProbe({ input, run, index, probe }));
  const checks = summarizeChecks(probes);
  const sample = probes.find((p) => !p.passed) ?? probes[0];
  if (sample === undefined) throw new Error('no probe request to verify');
  const passed = probes.every((p) => p.passed);
  return { passed, probes, checks, failedChecks: failedCheckNames(checks), sample };
}

function verifyProbe(ctx: CheckContext): TargetProbeVerification {
  const findings: Finding[] = [];
  // The same break can be told by two checks (a dangling parent and a missing service): once.
  const diagnoses = new Set<string>();
  for (const check of CHECKS) {
    const result = check(ctx);
    if (result === undefined) continue;
    findings.push({ ...result.finding, hop: undefined });
    for (const diagnosis of result.diagnoses) diagnoses.add(diagnosis);
  }
  return {
    index: ctx.probe.probe.index,
    traceId: ctx.probe.probe.traceId,
    passed: findings.every((f) => f.passed),
    findings,
    diagnoses: [...diagnoses],
    spans: ctx.probe.graph.spans.slice(),
    entry: ctx.probe.entrySpans[0]?.service,
    edges: probeEdges(ctx),
  };
}
