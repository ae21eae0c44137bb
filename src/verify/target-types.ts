import type { CheckSummary, Finding, SpanRecord } from './types';

/** The public shapes of target-mode verification: probes and spans in, findings out. */

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

/** A destination the user declared as not theirs (input `external-calls`). */
export type ExternalCall =
  { kind: 'host'; host: string; port: number | undefined } | { kind: 'prefix'; prefix: string };

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
  /** Calls to destinations that are not the user's services: reported, never failed. */
  externalCalls?: readonly ExternalCall[];
  /** How far the clocks of two services may disagree, in ms (input `max-clock-skew`). */
  maxClockSkewMs?: number;
  /** The probe's request as the user configured it (`GET http://...`), for the entry edge. */
  request?: string;
}

/** A call from one service to another, seen in a probe's trace or broken out of it. */
export interface ServiceEdge {
  from: string;
  to: string;
  call: string;
  broken: boolean;
  /** A call to a destination declared in `external-calls`: listed, not verified. */
  external?: boolean;
}

export interface TargetProbeVerification {
  index: number;
  traceId: string;
  passed: boolean;
  findings: Finding[];
  /** Diagnoses as a user reads them, one per break, each once. */
  diagnoses: string[];
  /** The spans of the probe's trace (shared with the analysis: not to be changed). */
  spans: readonly SpanRecord[];
  /** The entry service, when it joined. */
  entry: string | undefined;
  edges: ServiceEdge[];
}

export interface TargetVerification {
  passed: boolean;
  probes: TargetProbeVerification[];
  /** One row per check over every probe. */
  checks: CheckSummary[];
  failedChecks: string[];
  /** The first probe that failed, else the first. */
  sample: TargetProbeVerification;
}

/** The default of input `max-clock-skew`. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 250;
/** Within one process the clock is one: a child cannot start after its parent ended. */
export const LOCAL_SLACK_MS = 1;
