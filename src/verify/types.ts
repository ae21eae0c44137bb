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
  /** The callee's listening port, to tell the caller's client span for this hop from others. */
  calleePort: number;
  /** Propagation headers as the callee received them, names lower-case. */
  headers: Record<string, string>;
  callerReport: ServiceReport;
  calleeReport: ServiceReport;
}

export interface VerifyInput {
  /** Services in call order; the first one is the entry. */
  services: string[];
  hops: HopEvidence[];
  spans: SpanRecord[];
}

export type CheckId =
  | 'same_trace'
  | 'traceparent_valid'
  | 'parent_matches_traceparent'
  | 'parent_is_caller_client_span'
  | 'single_trace'
  | 'single_root';

/** One check, with what was expected and what was seen. */
export interface Finding {
  check: CheckId;
  /** 1-based hop number for per-hop checks; undefined for trace-wide checks. */
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

/** The analysis of one hop, in the words a user reads. */
export interface HopVerdict {
  hop: number;
  caller: string;
  callee: string;
  request: string;
  passed: boolean;
  /** Why the hop broke; undefined when it passed. */
  diagnosis: string | undefined;
  traceparentHeader: string | undefined;
  traceparentParentSpanId: string | undefined;
  callerClientSpanId: string | undefined;
  calleeParentSpanId: string | undefined;
}

export interface Verification {
  passed: boolean;
  findings: Finding[];
  hops: HopVerdict[];
  brokenEdges: BrokenEdge[];
  /** The entry service's trace id: the trace every span should belong to. */
  traceId: string;
}
