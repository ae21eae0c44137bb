import {
  checkedFormats,
  DEFAULT_BATCH_QUIET_MS,
  traceContextPropagators,
  type Config,
  type TargetConfig,
} from '../config';
import { Deadline } from '../deadline';
import { startReceiver, type Receiver, type WaitResult } from '../receiver';
import { TRACE_FORMATS } from '../verify/context-headers';
import { verifyTarget, type TargetVerification } from '../verify/target';
import type { SpanRecord } from '../verify/types';
import { sendTargetProbes, type TargetProbeResult } from './probe';
import { waitUntilAnswering } from './wait-for';

/** Time kept back from each probe, so it gives up before the run's deadline does. */
const PROBE_MARGIN_MS = 250;

export interface TargetOutcome {
  config: Config;
  target: TargetConfig;
  /** `spansOverLimit`: spans refused because `max-spans` were already stored. */
  receiver: { http: string; grpc: string | undefined; spansOverLimit: number };
  probes: TargetProbeResult[];
  /** Every span the receiver accepted. */
  spans: SpanRecord[];
  /** Services that reported anything at all. */
  servicesSeen: string[];
  /** How the wait for spans ended, in the user's words when it gave up. */
  wait: { outcome: WaitResult['outcome']; note: string | undefined };
  /** The header the probe carried its context in. */
  header: string;
  verification: TargetVerification;
}

/**
 * Target mode: start the OTLP receiver, wait for the target if asked, send the probes, wait for
 * the spans (every expected service reported and quiet for `settle`, or a quiet period longer
 * than the default batch delay), then verify. Everything is bounded by the run's deadline.
 */
export async function runTarget(config: Config, target: TargetConfig): Promise<TargetOutcome> {
  const deadline = new Deadline(config.timeoutMs);
  const receiver: Receiver = await startReceiver({
    host: target.receiver.host,
    httpPort: target.receiver.httpPort,
    grpcPort: target.receiver.grpcPort,
    maxSpans: target.receiver.maxSpans,
  });
  try {
    if (target.waitFor !== undefined) await waitUntilAnswering(target.waitFor, deadline);
    const formats = traceContextPropagators(config.propagators);
    const probes = await deadline.race(
      sendTargetProbes({
        target,
        requests: config.requests,
        concurrency: config.concurrency,
        formats,
        // A little less than what remains, so a target that never answers ends as a finding
        // (no answer) rather than racing the run's own deadline.
        timeoutMs: () => Math.max(1, deadline.remainingMs() - PROBE_MARGIN_MS),
      }),
      `the answers to the probes sent to ${target.url}`,
    );
    const expecting = target.expectServices.length > 0;
    // With no HTTP answer at all (refused, reset before the headers), no service handled the
    // probe: wait only for a quiet moment, not for services that have nothing to send.
    const anyAnswer = probes.some((probe) => probe.status !== undefined);
    const waited = await receiver.waitFor(
      anyAnswer
        ? {
            services: target.expectServices,
            minSpans: 1,
            quietMs: expecting
              ? target.settleMs
              : Math.max(target.settleMs, DEFAULT_BATCH_QUIET_MS),
            timeoutMs: Math.max(1, deadline.remainingMs()),
          }
        : {
            quietMs: target.settleMs,
            timeoutMs: Math.max(1, Math.min(deadline.remainingMs(), target.settleMs + 1000)),
          },
    );
    if (anyAnswer && expecting && waited.satisfied) {
      await waitForCompleteTraces(receiver, probes, target, deadline);
    }
    const spans = receiver.spans();
    const header = TRACE_FORMATS[checkedFormats(config.propagators)[0]!].header;
    return {
      config,
      target,
      receiver: {
        http: receiver.httpUrl,
        grpc: receiver.grpcUrl,
        spansOverLimit: receiver.stats().spansOverLimit,
      },
      probes,
      spans,
      servicesSeen: receiver.services(),
      wait: {
        outcome: waited.outcome,
        note: anyAnswer ? waitNote(waited, expecting, target.settleMs, deadline) : undefined,
      },
      header,
      verification: verifyTarget({
        probes,
        spans,
        expectServices: target.expectServices,
        header,
        probeSentContext: formats.length > 0,
        rejected: receiver.rejectedSpans(),
      }),
    };
  } finally {
    await receiver.close();
  }
}

/**
 * Every expected service has reported, but a batch exporter sends at most 512 spans at a time
 * and the rest a schedule delay later: keep waiting while some answered probe's trace still lacks
 * an expected service and new spans keep coming (each lull bounded by the default batch delay,
 * the whole by the run's deadline).
 */
async function waitForCompleteTraces(
  receiver: Receiver,
  probes: readonly TargetProbeResult[],
  target: TargetConfig,
  deadline: Deadline,
): Promise<void> {
  const answered = probes.filter((probe) => probe.status !== undefined);
  const complete = (): boolean => {
    const services = new Map<string, Set<string>>();
    for (const span of receiver.spans()) {
      let seen = services.get(span.traceId);
      if (seen === undefined) services.set(span.traceId, (seen = new Set()));
      seen.add(span.service);
    }
    return answered.every((probe) =>
      target.expectServices.every((service) => services.get(probe.traceId)?.has(service)),
    );
  };
  while (!complete() && deadline.remainingMs() > 0) {
    const more = await receiver.waitFor({
      minSpans: receiver.stats().acceptedSpans + 1,
      timeoutMs: Math.max(1, Math.min(deadline.remainingMs(), DEFAULT_BATCH_QUIET_MS)),
    });
    if (!more.satisfied) return;
    await receiver.waitFor({
      quietMs: target.settleMs,
      timeoutMs: Math.max(1, deadline.remainingMs()),
    });
  }
}

/** What the wait for spans was waiting for when it gave up. */
function waitNote(
  waited: WaitResult,
  expecting: boolean,
  settleMs: number,
  deadline: Deadline,
): string | undefined {
  if (waited.satisfied) return undefined;
  const seconds = (deadline.elapsedMs() / 1000).toFixed(1);
  if (waited.missingServices.length > 0) {
    return `Gave up after ${seconds} s (input 'timeout') waiting for ${waited.missingServices.join(', ')} (input 'expect-services') to export spans.`;
  }
  if (waited.spanCount === 0) {
    return `Gave up after ${seconds} s (input 'timeout') waiting for any span to arrive at the receiver.`;
  }
  return `Gave up after ${seconds} s (input 'timeout') waiting for ${expecting ? settleMs : DEFAULT_BATCH_QUIET_MS} ms without new spans (input 'settle'); verified the ${waited.spanCount} spans received.`;
}
