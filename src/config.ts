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
} as const;

export type InputName = keyof typeof DEFAULTS;

export const LIMITS = {
  hops: { min: 2, max: 16 },
  requests: { min: 1, max: 10_000 },
  concurrency: { min: 1, max: 256 },
  timeout: { min: 1, max: 600 },
  port: { min: 0, max: 65535 },
  settle: { min: 0, max: 60_000 },
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
  receiver: { host: string; httpPort: number; grpcPort: number | 'disabled' };
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
  const target = parseTarget(value, read);
  return {
    target,
    propagators,
    services,
    client,
    requests,
    concurrency: Math.min(
      requests,
      parseWholeNumber('concurrency', value('concurrency'), LIMITS.concurrency),
    ),
    incoming: parseIncoming(value('incoming-context'), read('tracestate').trim(), propagators),
    fault: parseFault(value('fault'), value('fault-hop'), services, client, requests),
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

/**
 * The header formats the checks read: those of the configured trace-context propagators, or W3C
 * trace context when none is configured (the check then looks for `traceparent`, and fails).
 */
export function checkedFormats(
  propagators: readonly PropagatorName[],
): Exclude<PropagatorName, 'baggage'>[] {
  const formats = traceContextPropagators(propagators);
  return formats.length > 0 ? formats : ['tracecontext'];
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

/** The inputs that shape the embedded services, which target mode does not start. */
const SELF_TEST_ONLY: readonly InputName[] = [
  'hops',
  'client',
  'incoming-context',
  'tracestate',
  'fault',
  'fault-hop',
  'port-a',
  'port-b',
];

function parseTarget(
  value: (name: InputName) => string,
  read: InputReader,
): TargetConfig | undefined {
  // Every target input is validated, target mode or not: a typo must not pass silently.
  const url = value('target-url');
  const method = parseMethod(value('target-method'));
  const headers = parseHeaders(read('target-headers'));
  const body = read('target-body');
  const expectServices = parseNames('expect-services', read('expect-services'));
  const settleMs = parseWholeNumber('settle', value('settle'), LIMITS.settle);
  const waitFor =
    value('wait-for') === '' ? undefined : parseHttpUrl('wait-for', value('wait-for'));
  const receiver = parseReceiver(value);
  if (url === '') {
    for (const name of ['target-headers', 'target-body', 'expect-services', 'wait-for'] as const) {
      if (read(name).trim() !== '') {
        throw new InputError(
          `Input '${name}' needs 'target-url' (it applies to target mode only).`,
        );
      }
    }
    return undefined;
  }
  for (const name of SELF_TEST_ONLY) {
    if (value(name) !== DEFAULTS[name]) {
      throw new InputError(
        `Input '${name}' shapes the built-in services, which target mode does not start; remove it or remove 'target-url'.`,
      );
    }
  }
  if (body !== '' && (method === 'GET' || method === 'HEAD')) {
    throw new InputError(
      `Input 'target-body' cannot go with 'target-method' ${method}; use POST, PUT or PATCH.`,
    );
  }
  return {
    url: parseHttpUrl('target-url', url),
    method,
    headers,
    body: body === '' ? undefined : body,
    expectServices,
    settleMs,
    waitFor,
    receiver,
  };
}

/** Methods a probe can send: a token, and none that fetch refuses or that tunnel. */
function parseMethod(raw: string): string {
  const method = raw.toUpperCase();
  if (!/^[A-Z]{1,20}$/.test(method) || ['CONNECT', 'TRACE', 'TRACK'].includes(method)) {
    throw new InputError(
      `Input 'target-method' must be an HTTP method such as GET, POST, PUT, PATCH or DELETE, got ${quote(raw)}.`,
    );
  }
  return method;
}

function parseReceiver(value: (name: InputName) => string): TargetConfig['receiver'] {
  const host = parseHost(value('receiver-host'));
  const httpPort = parseWholeNumber('receiver-http-port', value('receiver-http-port'), LIMITS.port);
  const grpcPort = parseWholeNumber('receiver-grpc-port', value('receiver-grpc-port'), LIMITS.port);
  if (httpPort !== 0 && httpPort === grpcPort) {
    throw new InputError(
      `Input 'receiver-grpc-port' must differ from 'receiver-http-port' (both are ${httpPort}); use 0 to turn gRPC off.`,
    );
  }
  return { host, httpPort, grpcPort: grpcPort === 0 ? 'disabled' : grpcPort };
}

function parseHttpUrl(name: InputName, raw: string): string {
  // The URL parser silently drops tabs and newlines: two URLs on two lines would become one.
  if (hasControlCharacter(raw)) {
    throw new InputError(
      `Input '${name}' must be one http:// or https:// URL, without spaces or control characters, got ${quote(raw)}.`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`Input '${name}' must be an http:// or https:// URL, got ${quote(raw)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`Input '${name}' must be an http:// or https:// URL, got ${quote(raw)}.`);
  }
  if (url.username !== '' || url.password !== '') {
    // Named without echoing the value: it holds a secret that would land in logs and outputs.
    throw new InputError(
      `Input '${name}' must not carry credentials (user:password@); send them with 'target-headers', e.g. Authorization.`,
    );
  }
  return url.toString();
}

/** Header values longer than this are refused: servers reject far shorter ones. */
const MAX_HEADER_VALUE = 8192;

/** Control characters (and, unless `allowSpace`, spaces): never valid in URLs, names or header values. */
function hasControlCharacter(text: string, allowSpace = false): boolean {
  return [...text].some((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || code === 0x7f || (!allowSpace && code === 0x20);
  });
}

/** `Name: value` lines, for the probe request. */
function parseHeaders(raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of raw
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      throw new InputError(
        `Input 'target-headers' must be lines of 'Name: value', got ${quote(line)}.`,
      );
    }
    if (name in headers) throw new InputError(`Input 'target-headers' sets ${quote(name)} twice.`);
    const headerValue = line.slice(colon + 1).trim();
    if (hasControlCharacter(headerValue, true) || headerValue.length > MAX_HEADER_VALUE) {
      throw new InputError(
        `Input 'target-headers': the value of ${quote(name)} must be printable text of at most ${MAX_HEADER_VALUE} characters.`,
      );
    }
    headers[name] = headerValue;
  }
  return headers;
}

function parseNames(name: InputName, raw: string): string[] {
  const names = splitList(raw);
  const seen = new Set<string>();
  for (const item of names) {
    if (item.length > 200 || hasControlCharacter(item, true)) {
      throw new InputError(
        `Input '${name}' items must be printable names of at most 200 characters, got ${quote(item)}.`,
      );
    }
    if (seen.has(item)) throw new InputError(`Input '${name}' lists ${quote(item)} twice.`);
    seen.add(item);
  }
  return names;
}

function parseHost(raw: string): string {
  if (!/^(?:[0-9a-zA-Z.-]{1,253}|\[?[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}\]?)$/.test(raw)) {
    throw new InputError(
      `Input 'receiver-host' must be an IP address or host name, got ${quote(raw)}.`,
    );
  }
  return raw.replace(/^\[|\]$/g, '');
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
    return { sampled: kind === 'sampled', tracestate: normalizeTracestate(tracestate) };
  }
  return { sampled: kind === 'sampled', tracestate: undefined };
}

/**
 * W3C tracestate: up to 32 comma-separated `key=value` members with distinct keys. Returned in
 * the form propagators re-serialise it (no spaces around members), so what arrives can be compared.
 */
function normalizeTracestate(raw: string): string {
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
  return members.join(',');
}

function parseFault(
  rawKind: string,
  rawHop: string,
  services: number,
  client: ClientName,
  requests: number,
): Fault | undefined {
  const kind = parseChoice('fault', rawKind, FAULT_NAMES);
  if (kind === 'none') return undefined;
  const hop = parseWholeNumber('fault-hop', rawHop, { min: 1, max: services - 1 });
  if (kind === 'leaked-context' && requests < 2) {
    throw new InputError(
      `Input 'fault': leaked-context sends the previous request's context, so it needs 'requests' of 2 or more.`,
    );
  }
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
