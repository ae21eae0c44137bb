/** The action's inputs: their names, defaults and limits, and the typed config they parse into. */

/** Propagator names, in the OTEL_PROPAGATORS vocabulary (`none` is handled apart). */
export const PROPAGATOR_NAMES = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger'] as const;
export type PropagatorName = (typeof PROPAGATOR_NAMES)[number];

export const CLIENT_NAMES = ['got', 'http', 'fetch'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export const FAULT_NAMES = [
  'none',
  'strip-header',
  'uninstrumented-client',
  'propagator-mismatch',
  'ignore-context',
  'leaked-context',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export const INCOMING_CONTEXT_NAMES = ['none', 'sampled', 'unsampled'] as const;
export type IncomingContextName = (typeof INCOMING_CONTEXT_NAMES)[number];

export const EXPECT_NAMES = ['pass', 'fail'] as const;
export type ExpectName = (typeof EXPECT_NAMES)[number];

/** The defaults, applied here so they hold outside the runner too (where action.yml is not read). */
export const DEFAULTS = {
  propagators: 'tracecontext,baggage',
  hops: '2',
  client: 'got',
  requests: '1',
  concurrency: '1',
  'incoming-context': 'none',
  tracestate: '',
  fault: 'none',
  'fault-hop': '1',
  expect: 'pass',
  timeout: '30',
  summary: 'true',
  'port-a': '0',
  'port-b': '0',
  'target-url': '',
  'target-method': 'GET',
  'target-headers': '',
  'target-body': '',
  'expect-services': '',
  settle: '1000',
  'wait-for': '',
  'receiver-host': '127.0.0.1',
  'receiver-http-port': '4318',
  'receiver-grpc-port': '4317',
  'max-spans': '200000',
} as const;

export type InputName = keyof typeof DEFAULTS;

export const LIMITS = {
  hops: { min: 2, max: 16 },
  requests: { min: 1, max: 10_000 },
  concurrency: { min: 1, max: 256 },
  timeout: { min: 1, max: 600 },
  port: { min: 0, max: 65535 },
  settle: { min: 0, max: 60_000 },
  maxSpans: { min: 1, max: 10_000_000 },
} as const;

/**
 * Without expect-services, how long spans must stay quiet before the wait ends: longer than the
 * default batch span processor's 5 s schedule delay, so a default exporter has flushed.
 */
export const DEFAULT_BATCH_QUIET_MS = 6000;

/** A fault to inject at one hop, so users (and our tests) can see the check catch it. */
export interface Fault {
  kind: Exclude<FaultName, 'none'>;
  /** 1-based hop: the call from service `hop` to service `hop + 1`. */
  hop: number;
}

/** The context the probe sends to the first service, as an upstream caller would. */
export interface IncomingContext {
  sampled: boolean;
  /** The W3C tracestate to send with traceparent; undefined for none. */
  tracestate: string | undefined;
}

/** Target mode: the user's own services, probed at a URL and heard through an OTLP receiver. */
export interface TargetConfig {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Services that must appear in every probe's trace. */
  expectServices: string[];
  /** Quiet time after the last span before the wait ends, in ms. */
  settleMs: number;
  /** A URL polled until it answers, before the first probe. */
  waitFor: string | undefined;
  receiver: { host: string; httpPort: number; grpcPort: number | 'disabled'; maxSpans: number };
}

/** Everything the run needs, parsed and validated once. */
export interface Config {
  /** Set in target mode: then no embedded service is started. */
  target: TargetConfig | undefined;
  /** Propagators to install, in order. Empty when the user asked for `none`: nothing is injected. */
  propagators: PropagatorName[];
  /** Number of services in the chain; service i calls service i + 1. */
  services: number;
  /** The HTTP client each service uses for its outgoing call. */
  client: ClientName;
  /** Probe requests to send, and how many at once. */
  requests: number;
  concurrency: number;
  /** The context the probe sends, or undefined to start with none. */
  incoming: IncomingContext | undefined;
  /** A fault to inject, or undefined. */
  fault: Fault | undefined;
  /** The verdict the step expects: `fail` for a negative control. */
  expect: ExpectName;
  /** Bound on the whole run, in milliseconds. */
  timeoutMs: number;
  /** Whether to write the job summary. */
  summary: boolean;
  /** Ports for service A and service B on 127.0.0.1; 0 asks the OS for a free one. */
  ports: { a: number; b: number };
}

/** Reads one raw input; returns '' when it is not set. */
export type InputReader = (name: InputName) => string;
