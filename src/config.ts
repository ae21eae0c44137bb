import { InputError } from './errors';

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
} as const;

export type InputName = keyof typeof DEFAULTS;

export const LIMITS = {
  hops: { min: 2, max: 16 },
  requests: { min: 1, max: 10_000 },
  concurrency: { min: 1, max: 256 },
  timeout: { min: 1, max: 600 },
  port: { min: 0, max: 65535 },
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

/** Everything the run needs, parsed and validated once. */
export interface Config {
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

/** Parses every input once. Throws InputError naming the input and what is allowed. */
export function parseConfig(read: InputReader): Config {
  const value = (name: InputName): string => {
    const raw = read(name).trim();
    return raw === '' ? DEFAULTS[name] : raw;
  };
  const ports = {
    a: parseWholeNumber('port-a', value('port-a'), LIMITS.port),
    b: parseWholeNumber('port-b', value('port-b'), LIMITS.port),
  };
  if (ports.a !== 0 && ports.a === ports.b) {
    throw new InputError(
      `Input 'port-b' must differ from 'port-a' (both are ${ports.a}); use 0 to pick a free port.`,
    );
  }
  const propagators = parsePropagators(value('propagators'));
  const services = parseWholeNumber('hops', value('hops'), LIMITS.hops);
  const client = parseChoice('client', value('client'), CLIENT_NAMES);
  const requests = parseWholeNumber('requests', value('requests'), LIMITS.requests);
  return {
    propagators,
    services,
    client,
    requests,
    concurrency: Math.min(
      requests,
      parseWholeNumber('concurrency', value('concurrency'), LIMITS.concurrency),
    ),
    incoming: parseIncoming(value('incoming-context'), read('tracestate').trim(), propagators),
    fault: parseFault(value('fault'), value('fault-hop'), services, client),
    expect: parseChoice('expect', value('expect'), EXPECT_NAMES),
    timeoutMs: parseWholeNumber('timeout', value('timeout'), LIMITS.timeout) * 1000,
    summary: parseBoolean('summary', value('summary')),
    ports,
  };
}

/** Splits a list input on commas and newlines, trims items and drops empty ones. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The propagators that carry trace context (not baggage). */
export function traceContextPropagators(
  propagators: readonly PropagatorName[],
): Exclude<PropagatorName, 'baggage'>[] {
  return propagators.filter(
    (name): name is Exclude<PropagatorName, 'baggage'> => name !== 'baggage',
  );
}

function parsePropagators(raw: string): PropagatorName[] {
  const allowed = [...PROPAGATOR_NAMES, 'none'].join(', ');
  const items = splitList(raw).map((item) => item.toLowerCase());
  const seen = new Set<string>();
  for (const item of items) {
    if (item !== 'none' && !(PROPAGATOR_NAMES as readonly string[]).includes(item)) {
      throw new InputError(
        `Input 'propagators' has unknown item ${quote(item)}; allowed: ${allowed}.`,
      );
    }
    if (seen.has(item)) {
      throw new InputError(`Input 'propagators' lists ${quote(item)} twice.`);
    }
    seen.add(item);
  }
  if (seen.has('none')) {
    if (items.length > 1) {
      throw new InputError(`Input 'propagators' cannot combine 'none' with other propagators.`);
    }
    return [];
  }
  if (items.length === 0) {
    throw new InputError(`Input 'propagators' is empty; allowed: ${allowed}.`);
  }
  return items as PropagatorName[];
}

function parseIncoming(
  raw: string,
  tracestate: string,
  propagators: readonly PropagatorName[],
): IncomingContext | undefined {
  const kind = parseChoice('incoming-context', raw, INCOMING_CONTEXT_NAMES);
  if (kind === 'none') {
    if (tracestate !== '') {
      throw new InputError(
        `Input 'tracestate' needs 'incoming-context' set to sampled or unsampled.`,
      );
    }
    return undefined;
  }
  if (traceContextPropagators(propagators).length === 0) {
    throw new InputError(
      `Input 'incoming-context' needs a trace-context propagator in 'propagators' (tracecontext, b3, b3multi or jaeger).`,
    );
  }
  if (tracestate !== '') {
    if (!propagators.includes('tracecontext')) {
      throw new InputError(`Input 'tracestate' needs 'tracecontext' in 'propagators'.`);
    }
    validateTracestate(tracestate);
  }
  return { sampled: kind === 'sampled', tracestate: tracestate === '' ? undefined : tracestate };
}

/** W3C tracestate: up to 32 comma-separated `key=value` members with distinct keys. */
function validateTracestate(raw: string): void {
  const key =
    /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
  const value = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
  const members = raw.split(',').map((member) => member.trim());
  const fail = (why: string): never => {
    throw new InputError(
      `Input 'tracestate' must be W3C tracestate (key=value,...; at most 32 members): ${why}.`,
    );
  };
  if (members.length > 32) fail(`${members.length} members`);
  const keys = new Set<string>();
  for (const member of members) {
    const equals = member.indexOf('=');
    if (equals <= 0) fail(`${quote(member)} is not key=value`);
    const k = member.slice(0, equals);
    if (!key.test(k)) fail(`key ${quote(k)} is not allowed`);
    if (!value.test(member.slice(equals + 1))) fail(`the value of ${quote(k)} is not allowed`);
    if (keys.has(k)) fail(`key ${quote(k)} appears twice`);
    keys.add(k);
  }
}

function parseFault(
  rawKind: string,
  rawHop: string,
  services: number,
  client: ClientName,
): Fault | undefined {
  const kind = parseChoice('fault', rawKind, FAULT_NAMES);
  const hop = parseWholeNumber('fault-hop', rawHop, { min: 1, max: services - 1 });
  if (kind === 'none') return undefined;
  if (kind === 'uninstrumented-client' && client === 'fetch') {
    throw new InputError(
      `Input 'fault': uninstrumented-client uses global fetch without its instrumentation, so it cannot be combined with 'client: fetch'; use client got or http.`,
    );
  }
  return { kind, hop };
}

function parseChoice<T extends string>(name: InputName, raw: string, allowed: readonly T[]): T {
  const lower = raw.toLowerCase();
  if (!(allowed as readonly string[]).includes(lower)) {
    throw new InputError(
      `Input '${name}' must be one of ${allowed.join(', ')}, got ${quote(raw)}.`,
    );
  }
  return lower as T;
}

function parseWholeNumber(
  name: InputName,
  raw: string,
  { min, max }: { min: number; max: number },
): number {
  const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new InputError(
      `Input '${name}' must be a whole number from ${min} to ${max}, got ${quote(raw)}.`,
    );
  }
  return parsed;
}

/** The YAML 1.2 core-schema booleans that @actions/core's getBooleanInput accepts. */
function parseBoolean(name: InputName, raw: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true;
  if (['false', 'False', 'FALSE'].includes(raw)) return false;
  throw new InputError(`Input '${name}' must be true or false, got ${quote(raw)}.`);
}

/** Quotes user text for an error line: bounded length, control characters made visible. */
function quote(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}
