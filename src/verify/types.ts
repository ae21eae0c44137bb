import type { TraceFormat } from './formats/context-headers';

/** Span kinds as the OpenTelemetry API names them. */
export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

export type AttributeValue = string | number | boolean;

/**
 * One span, normalised: whoever produced it (the in-process exporter, an OTLP receiver) fills this
 * shape, and the verifier reads nothing else. Ids are lower-case hex.
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  /** True when the parent came from another process (extracted from a header). */
  parentIsRemote: boolean | undefined;
  /**
   * The sampled bit of the span's own trace flags (OTLP Span.flags, low byte); undefined when the
   * exporter left Span.flags unset (0), as exporters older than that field do.
   */
  sampled?: boolean | undefined;
  name: string;
  kind: SpanKindName;
  /** The service that produced the span. */
  service: string;
  startTimeMs: number;
  endTimeMs: number;
  attributes: Record<string, AttributeValue>;
}

/** What a service said about its own server span while it handled the probe. */
export interface ServiceReport {
  service: string;
  traceId: string;
  spanId: string;
  /** The server span's parent as the service saw it; undefined when the span is a root. */
  parentSpanId: string | undefined;
}

/** Evidence gathered at one hop: caller -> callee. */
export interface HopEvidence {
  caller: string;
  callee: string;
  /** What the caller requested, for the diagnosis (e.g. `GET http://127.0.0.1:4000/work`). */
  request: string;
  /** The port the caller connected to, to tell its client span for this hop from others. */
  calleePort: number;
  /** Propagation headers as the callee received them, names lower-case. */
  headers: Record<string, string>;
  callerReport: ServiceReport;
  calleeReport: ServiceReport;
}

/** The context the probe sent to the first service, when it sent one. */
export interface ProbeContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
  tracestate: string | undefined;
}

/** Everything one probe request produced, before the spans are looked at. */
export interface RequestEvidence {
  /** 1-based. */
  index: number;
  hops: HopEvidence[];
  /** The baggage entry the first service set, when baggage is configured. */
  baggage: { key: string; value: string } | undefined;
  /** The context the probe sent; undefined when it sent none. */
  incoming: ProbeContext | undefined;
}

export interface VerifyInput {
  /** Services in call order; the first one is the entry. */
  services: string[];
  requests: RequestEvidence[];
  spans: readonly SpanRecord[];
  /** The header formats the configured propagators write; the first is the primary. */
  formats: TraceFormat[];
  /** False when no trace-context propagator is configured (`none`, or baggage alone). */
  propagatorConfigured: boolean;
  /** The trace-graph checks' findings by request index (see self-test-graph.ts), when run. */
  graphFindings?: ReadonlyMap<number, readonly Finding[]>;
}

/** One check, with what was expected and what was seen. */
export interface Finding {
  /** e.g. `same_trace`, `traceparent_valid`, `parent_matches_b3`. */
  check: string;
  /** 1-based hop number for per-hop checks; undefined for checks of the whole request. */
  hop: number | undefined;
  title: string;
  expected: string;
  observed: string;
  passed: boolean;
}

/** A parent link that should exist and does not: the callee started a new trace. */
export interface BrokenEdge {
  hop: number;
  /** The caller's client span for the hop, when it was exported. */
  fromSpanId: string | undefined;
  /** The callee's server span. */
  toSpanId: string;
}

/** The analysis of one hop of one request, in the words a user reads. */
export interface HopVerdict {
  hop: number;
  caller: string;
  callee: string;
  request: string;
  passed: boolean;
  /** Why the hop broke; undefined when it passed. */
  diagnosis: string | undefined;
  /** The primary format's header as received, and the parent it names. */
  header: string | undefined;
  headerParentSpanId: string | undefined;
  callerClientSpanId: string | undefined;
  calleeParentSpanId: string | undefined;
}

export interface RequestVerification {
  index: number;
  /** What the verdict was drawn from. */
  evidence: RequestEvidence;
  passed: boolean;
  findings: Finding[];
  hops: HopVerdict[];
  brokenEdges: BrokenEdge[];
  /** The entry service's trace id: the trace every span of the request should belong to. */
  traceId: string;
  /** The spans of the request's traces. */
  spans: SpanRecord[];
}

/** One check over every request: how often it passed, and the first failure's values. */
export interface CheckSummary {
  check: string;
  hop: number | undefined;
  title: string;
  passed: number;
  failed: number;
  expected: string;
  observed: string;
}

/** One hop over every request. */
export interface HopSummary {
  hop: number;
  caller: string;
  callee: string;
  passed: number;
  failed: number;
  /** The first failing request's diagnosis at this hop. */
  diagnosis: string | undefined;
}

export interface Verification {
  passed: boolean;
  requests: RequestVerification[];
  checks: CheckSummary[];
  hops: HopSummary[];
  failedChecks: string[];
  /** The request to show in detail: the first with a broken hop, else the first that failed, else the first. */
  sample: RequestVerification;
}
