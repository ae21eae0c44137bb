import { InputError } from '../errors';
import { DEFAULTS, LIMITS, type InputName, type InputReader, type TargetConfig } from './inputs';
import type { ExternalCall } from '../verify/target-types';
import { effectiveExportDelayDefault, LAUNCH_INPUTS, parseLaunch } from './services';
import { hasControlCharacter, parseHttpUrl, parseWholeNumber, quote, splitList } from './values';

/** Target mode's inputs: the probe request, the wait, and the receiver. */

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

export function parseTarget(
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
  const externalCalls = parseExternalCalls(read('external-calls'));
  const maxClockSkewMs = parseWholeNumber(
    'max-clock-skew',
    value('max-clock-skew'),
    LIMITS.clockSkew,
  );
  const launch = parseLaunch(read);
  // Services the action starts export every 100 ms: a missing answer is judged sooner.
  const exportDelayMs =
    read('export-delay').trim() === ''
      ? effectiveExportDelayDefault(launch?.services ?? [])
      : parseWholeNumber('export-delay', value('export-delay'), LIMITS.exportDelay);
  const waitFor =
    value('wait-for') === '' ? undefined : parseHttpUrl('wait-for', value('wait-for'));
  const receiver = parseReceiver(value);
  if (url === '') {
    const targetOnly = [
      'target-headers',
      'target-body',
      'expect-services',
      'wait-for',
      'external-calls',
    ] as const;
    for (const name of [...targetOnly, ...LAUNCH_INPUTS]) {
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
    // Services the action starts are the ones every trace must hold, unless the user says.
    expectServices:
      expectServices.length > 0 ? expectServices : (launch?.services.map((s) => s.name) ?? []),
    settleMs,
    externalCalls,
    maxClockSkewMs,
    exportDelayMs,
    waitFor,
    receiver,
    ...(launch === undefined ? {} : { launch }),
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
  return {
    host,
    httpPort,
    grpcPort: grpcPort === 0 ? 'disabled' : grpcPort,
    maxSpans: parseMaxSpans(value),
  };
}

/** The cap on spans the receiver stores: past it, spans are refused (OTLP partial success). */
function parseMaxSpans(value: (name: InputName) => string): number {
  return parseWholeNumber('max-spans', value('max-spans'), LIMITS.maxSpans);
}

/** Header values longer than this are refused: servers reject far shorter ones. */
const MAX_HEADER_VALUE = 8192;

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

/**
 * `external-calls`: hosts, host:port pairs or http(s) URL prefixes, comma or newline separated.
 * Hosts and prefixes are compared lower-cased, as URLs compare them.
 */
function parseExternalCalls(raw: string): ExternalCall[] {
  return splitList(raw).map((item): ExternalCall => {
    if (/^https?:\/\//i.test(item)) {
      return { kind: 'prefix', prefix: parseHttpUrl('external-calls', item).toLowerCase() };
    }
    const match = /^(\[[0-9a-fA-F:.]+\]|[0-9A-Za-z.-]{1,253})(?::(\d{1,5}))?$/.exec(item);
    const port = match?.[2] === undefined ? undefined : Number(match[2]);
    if (match === null || (port !== undefined && (port < 1 || port > 65535))) {
      throw new InputError(
        `Input 'external-calls' items must be a host, host:port or http(s):// URL prefix, got ${quote(item)}.`,
      );
    }
    return { kind: 'host', host: match[1]!.toLowerCase().replace(/^\[|\]$/g, ''), port };
  });
}
