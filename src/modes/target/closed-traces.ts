import type { TargetConfig } from '../../config';
import type { Deadline } from '../../deadline';
import type { Receiver } from '../../receiver';
import { analyzeRun, openCalls, type ProbeAnalysis, type RunAnalysis } from '../../verify/analysis';
import { breakExplaining, leakAnswering } from '../../verify/graph-checks/context';
import type { TargetInput } from '../../verify/target-types';
import type { SpanRecord } from '../../verify/types';

/**
 * The wait for spans, ended as soon as the spans allow. A probe's trace is closed when its entry
 * span has arrived, every call in it is answered (or declared external, or explained by a break
 * or a leak), and every `expect-services` entry is in it. Whatever is still missing is waited for
 * at most `export-delay`: after the client span arrived for a call, after the probes ended for
 * the entry and the expected services. Then spans must be quiet for `settle`. Every wait is
 * bounded by the run's deadline.
 */

/** Arrival times of the spans, recorded from before the first probe. */
export interface ArrivalLog {
  /** When each client span arrived (wall clock, ms). */
  clientArrivals: Map<string, number>;
  lastArrivalMs: number;
  stop(): void;
}

export function logArrivals(receiver: Receiver): ArrivalLog {
  const log: ArrivalLog = {
    clientArrivals: new Map(),
    lastArrivalMs: Date.now(),
    stop: () => unsubscribe(),
  };
  const unsubscribe = receiver.onSpans((spans) => {
    const now = Date.now();
    log.lastArrivalMs = now;
    for (const span of spans) if (span.kind === 'client') log.clientArrivals.set(span.spanId, now);
  });
  return log;
}

export interface ClosedWait {
  /** `satisfied`: every trace closed and quiet; `timeout`: the run's deadline came first. */
  outcome: 'satisfied' | 'timeout';
  /** What was still open when the deadline came. */
  open: string[];
}

export async function waitForClosedTraces(
  receiver: Receiver,
  log: ArrivalLog,
  target: TargetConfig,
  deadline: Deadline,
  inputOf: (spans: readonly SpanRecord[]) => TargetInput,
): Promise<ClosedWait> {
  const probesEndedMs = Date.now();
  for (;;) {
    const now = Date.now();
    const run = analyzeRun(inputOf(receiver.spans()));
    const analysisMs = Date.now() - now;
    const pending = pendingUntil(run, log, target, probesEndedMs).filter((p) => p.untilMs > now);
    const quietAt = log.lastArrivalMs + target.settleMs;
    if (pending.length === 0 && now >= quietAt) return { outcome: 'satisfied', open: [] };
    const wakeAt = pending.length ? Math.min(...pending.map((p) => p.untilMs)) : quietAt;
    const remaining = deadline.remainingMs();
    if (remaining <= 0) return { outcome: 'timeout', open: pending.map((p) => p.what) };
    // Wake at the next bound, or as soon as a new span may change the picture; but re-judge a
    // large run (hundreds of thousands of spans) no more often than its analysis allows.
    await receiver.waitFor({
      minSpans: receiver.stats().acceptedSpans + 1,
      timeoutMs: Math.max(1, Math.min(remaining, wakeAt - now)),
    });
    if (analysisMs > 10) await sleep(Math.min(deadline.remainingMs(), 2 * analysisMs));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

interface Pending {
  what: string;
  untilMs: number;
}

/** What each answered probe still waits for, and until when at most. */
function pendingUntil(
  run: RunAnalysis,
  log: ArrivalLog,
  target: TargetConfig,
  probesEndedMs: number,
): Pending[] {
  const pending: Pending[] = [];
  const bound = probesEndedMs + target.exportDelayMs;
  for (const probe of run.probes) {
    if (probe.probe.status === undefined) continue;
    const name = `probe ${probe.probe.index}`;
    if (probe.entrySpans.length === 0 && probe.breaks.every((b) => b.cause.kind !== 'entry')) {
      pending.push({ what: `${name}: the entry span`, untilMs: bound });
    }
    for (const call of unexplainedCalls(run, probe)) {
      const arrived = log.clientArrivals.get(call.client.spanId) ?? probesEndedMs;
      pending.push({
        what: `${name}: an answer to ${call.client.service}'s call ${call.client.name}`,
        untilMs: arrived + target.exportDelayMs,
      });
    }
    const present = new Set(probe.component.flatMap((g) => g.spans.map((s) => s.service)));
    for (const service of target.expectServices) {
      if (!present.has(service)) {
        pending.push({ what: `${name}: ${service} (input 'expect-services')`, untilMs: bound });
      }
    }
  }
  return pending;
}

/**
 * Open calls that no break or leak explains yet: their answer may still be on its way. Looked up
 * in the verdict's indexes by call: a search of the breaks and leaks per call was n^2 at every
 * look, for a probe with n traces attached.
 */
function unexplainedCalls(run: RunAnalysis, probe: ProbeAnalysis) {
  return openCalls(probe).filter(
    (call) =>
      breakExplaining(probe.breaks, call) === undefined &&
      leakAnswering(run.continuations.leaks, call) === undefined,
  );
}
