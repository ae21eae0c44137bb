import { setTimeout as sleep } from 'node:timers/promises';
import {
  checkedFormats,
  traceContextPropagators,
  type Config,
  type TargetConfig,
} from '../../config';
import { Deadline } from '../../deadline';
import { progress } from '../../progress';
import { startReceiver, type Receiver, type ReceiverLabels, type WaitResult } from '../../receiver';
import { TRACE_FORMATS } from '../../verify/formats/context-headers';
import { verify, type TargetObservation } from '../../verify/observation';
import type { TargetVerification } from '../../verify/target';
import type { SpanRecord } from '../../verify/types';
import { launchServices, type Launched } from './launch';
import { logArrivals, waitForClosedTraces, type ClosedWait } from './closed-traces';
import { sendTargetProbes, type TargetProbeResult } from './probe';
import { waitUntilAnswering } from './wait-for';

/** The receiver's settings as the action's inputs name them, for its messages. */
const RECEIVER_INPUTS: ReceiverLabels = {
  host: "input 'receiver-host'",
  httpPort: "input 'receiver-http-port'",
  grpcPort: "input 'receiver-grpc-port'",
  // No input sets it: the receiver's default is fixed in target mode.
  maxBodyBytes: "the receiver's body limit",
  maxSpans: "input 'max-spans'",
};

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
  wait: { outcome: WaitResult['outcome'] | ClosedWait['outcome']; note: string | undefined };
  /** What the receiver saw that explains missing spans (requests to paths it does not serve). */
  receiverHints: string[];
  /** The header the probe carried its context in. */
  header: string;
  verification: TargetVerification;
  /** The services the action started (input `services`), stopped by the time it is read. */
  launched: Launched | undefined;
}

/**
 * Target mode: start the OTLP receiver, wait for the target if asked, send the probes, wait until
 * every probe's trace is closed (see closed-traces.ts), then verify. Everything is bounded by the
 * run's deadline.
 */
export async function runTarget(config: Config, target: TargetConfig): Promise<TargetOutcome> {
  const deadline = new Deadline(config.timeoutMs);
  progress.phase('starting the OTLP receiver', config.requests);
  const receiver: Receiver = await startReceiver({
    host: target.receiver.host,
    httpPort: target.receiver.httpPort,
    grpcPort: target.receiver.grpcPort,
    maxSpans: target.receiver.maxSpans,
    labels: RECEIVER_INPUTS,
  });
  progress.watchSpans({
    services: () => receiver.services(),
    spanCount: () => receiver.stats().acceptedSpans,
  });
  // Issue 9: setup and the services start once the receiver's real port is known; they stop in
  // `finally` (and on SIGINT/SIGTERM, see cancel.ts). Their readiness replaces `wait-for`.
  let launched: Launched | undefined;
  progress.ended('receiver');
  const arrivals = logArrivals(receiver);
  try {
    launched = await startServices(config, target, receiver, deadline);
    progress.ended('services');
    const formats = traceContextPropagators(config.propagators);
    progress.phase(`sending the probes to ${target.url}`);
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
    progress.ended('probes');
    progress.phase('waiting for the services to export their spans');
    const header = TRACE_FORMATS[checkedFormats(config.propagators)[0]!].header;
    const inputOf = (spans: readonly SpanRecord[]): TargetObservation => ({
      mode: 'target',
      probes,
      spans,
      expectServices: target.expectServices,
      header,
      probeSentContext: formats.length > 0,
      rejected: receiver.rejectedSpans(),
      externalCalls: target.externalCalls,
      maxClockSkewMs: target.maxClockSkewMs,
      request: `${target.method} ${target.url}`,
    });
    // With no HTTP answer at all (refused, reset before the headers), no service handled the
    // probe: wait only for a quiet moment, not for services that have nothing to send.
    const anyAnswer = probes.some((probe) => probe.status !== undefined);
    const wait = anyAnswer
      ? await waitForClosedTraces(receiver, arrivals, target, deadline, inputOf)
      : await receiver.waitFor({
          quietMs: target.settleMs,
          timeoutMs: Math.max(1, Math.min(deadline.remainingMs(), target.settleMs + 1000)),
        });
    progress.ended('span-wait');
    const spans = receiver.spans();
    const verification = verify(inputOf(spans));
    return {
      ...receiverFacts(receiver, spans, deadline, wait, verification.passed),
      config,
      target,
      probes,
      spans,
      header,
      verification,
      launched,
    };
  } finally {
    arrivals.stop();
    await launched?.finish();
    progress.ended('stopped');
    await receiver.close();
  }
}

/**
 * Issue 9: the services the action starts (input `services`), once the receiver's real port is
 * known, or the wait for `wait-for`; then the readiness requests are kept apart from the probes.
 */
async function startServices(
  config: Config,
  target: TargetConfig,
  receiver: Receiver,
  deadline: Deadline,
): Promise<Launched | undefined> {
  let launched: Launched | undefined;
  if (target.launch !== undefined) {
    progress.phase("starting the services (input 'services')");
    launched = await launchServices({
      launch: target.launch,
      receiverHttpUrl: receiver.httpUrl,
      propagators: config.propagators,
      readyUrl: target.waitFor ?? (target.launch.services.length > 0 ? target.url : undefined),
      deadline,
    });
  } else if (target.waitFor !== undefined) {
    progress.phase(`waiting for ${target.waitFor} to answer (input 'wait-for')`);
    await waitUntilAnswering(target.waitFor, deadline);
  }
  if (target.launch !== undefined || target.waitFor !== undefined) {
    // The readiness requests went through the services too. Every decision that compares
    // timestamps allows max-clock-skew, so a request sent closer than that before the probes
    // could pass for one of their calls when the chain is broken: keep them apart.
    await sleep(Math.min(target.maxClockSkewMs, Math.max(0, deadline.remainingMs() - 1)));
  }
  return launched;
}

/** What the receiver saw and how the wait for spans ended, as the outcome tells them. */
function receiverFacts(
  receiver: Receiver,
  spans: readonly SpanRecord[],
  deadline: Deadline,
  wait: WaitResult | ClosedWait,
  passed: boolean,
): Pick<TargetOutcome, 'receiver' | 'servicesSeen' | 'wait' | 'receiverHints'> {
  return {
    receiver: {
      http: receiver.httpUrl,
      grpc: receiver.grpcUrl,
      spansOverLimit: receiver.stats().spansOverLimit,
    },
    servicesSeen: receiver.services(),
    wait: {
      outcome: wait.outcome,
      note: 'open' in wait ? waitNote(wait, spans.length, deadline) : undefined,
    },
    receiverHints: passed ? [] : receiverHints(receiver),
  };
}

/** What the wait for spans was waiting for when the run's deadline came. */
function waitNote(wait: ClosedWait, spanCount: number, deadline: Deadline): string | undefined {
  if (wait.outcome !== 'timeout') return undefined;
  const gaveUp = `Gave up after ${(deadline.elapsedMs() / 1000).toFixed(1)} s (input 'timeout')`;
  if (spanCount === 0) return `${gaveUp} waiting for any span to arrive at the receiver.`;
  const open =
    wait.open.length > 3 ? [...wait.open.slice(0, 3), `${wait.open.length - 3} more`] : wait.open;
  return `${gaveUp} waiting for the probes' traces to close${open.length ? `: ${open.join('; ')}` : " and spans to be quiet (input 'settle')"}; verified the ${spanCount} spans received.`;
}

/**
 * Exporters that reach the receiver at a path it does not serve (an endpoint with `/v1/traces`
 * twice, a typo) send spans that never count: named when spans are missing.
 */
function receiverHints(receiver: Receiver): string[] {
  const unknown = receiver.unknownPaths();
  if (unknown.length === 0) return [];
  const listed = unknown.map(({ path, count }) => `${JSON.stringify(path)} (${count})`).join(', ');
  return [
    `The receiver got requests at paths it does not serve: ${listed}. OTLP/HTTP exporters append /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT: set it to the base URL (${receiver.httpUrl}), or set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT to ${receiver.httpUrl}/v1/traces.`,
  ];
}
