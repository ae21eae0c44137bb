/** The action's inputs: their names, defaults and limits, and the typed config they parse into. */

import type { ExternalCall } from '../verify/target-types';
import type { LaunchConfig } from './services';

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
  'external-calls': '',
  'max-clock-skew': '250',
  'export-delay': '',
  'wait-for': '',
  'receiver-host': '127.0.0.1',
  'receiver-http-port': '4318',
  'receiver-grpc-port': '4317',
  services: '',
  setup: '',
  teardown: '',
  'working-directory': '',
  'junit-file': '',
  'traces-file': '',
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
  clockSkew: { min: 0, max: 60_000 },
  exportDelay: { min: 0, max: 120_000 },
  maxSpans: { min: 1, max: 10_000_000 },
} as const;

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
  /** Destinations that are not the user's services: calls to them are listed, never failed. */
  externalCalls: ExternalCall[];
  /** How far the clocks of two services may disagree, in ms. */
  maxClockSkewMs: number;
  /** How long a call may wait for its answer to be exported before it is judged broken, in ms. */
  exportDelayMs: number;
  /** A URL polled until it answers, before the first probe. */
  waitFor: string | undefined;
  /** Services, setup and teardown the action runs itself (issue 9); absent for none. */
  launch?: LaunchConfig;
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
  /** Where to write the JUnit XML report and the OTLP/JSON traces; undefined: not written. */
  files: { junit: string | undefined; traces: string | undefined };
}

/** Reads one raw input; returns '' when it is not set. */
export type InputReader = (name: InputName) => string;
