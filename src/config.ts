import { InputError } from './errors';

/** Propagator names, in the OTEL_PROPAGATORS vocabulary. */
export const PROPAGATOR_NAMES = ['tracecontext', 'baggage'] as const;
export type PropagatorName = (typeof PROPAGATOR_NAMES)[number];

/** The defaults, applied here so they hold outside the runner too (where action.yml is not read). */
export const DEFAULTS = {
  propagators: 'tracecontext,baggage',
  timeout: '30',
  summary: 'true',
  'port-a': '0',
  'port-b': '0',
} as const;

export type InputName = keyof typeof DEFAULTS;

export const MAX_TIMEOUT_SECONDS = 600;

/** Everything the run needs, parsed and validated once. */
export interface Config {
  /** Propagators to install, in order. Empty when the user asked for `none`: nothing is injected. */
  propagators: PropagatorName[];
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
    a: parsePort('port-a', value('port-a')),
    b: parsePort('port-b', value('port-b')),
  };
  if (ports.a !== 0 && ports.a === ports.b) {
    throw new InputError(
      `Input 'port-b' must differ from 'port-a' (both are ${ports.a}); use 0 to pick a free port.`,
    );
  }
  return {
    propagators: parsePropagators(value('propagators')),
    timeoutMs: parseWholeNumber('timeout', value('timeout'), 1, MAX_TIMEOUT_SECONDS) * 1000,
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

function parseWholeNumber(name: InputName, raw: string, min: number, max: number): number {
  const allowed = `a whole number from ${min} to ${max}`;
  if (!/^\d+$/.test(raw)) {
    throw new InputError(`Input '${name}' must be ${allowed}, got ${quote(raw)}.`);
  }
  const parsed = Number(raw);
  if (parsed < min || parsed > max) {
    throw new InputError(`Input '${name}' must be ${allowed}, got ${quote(raw)}.`);
  }
  return parsed;
}

function parsePort(name: InputName, raw: string): number {
  return parseWholeNumber(name, raw, 0, 65535);
}

/** The YAML 1.2 core-schema booleans that @actions/core's getBooleanInput accepts. */
function parseBoolean(name: InputName, raw: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true;
  if (['false', 'False', 'FALSE'].includes(raw)) return false;
  throw new InputError(`Input '${name}' must be true or false, got ${quote(raw)}.`);
}

/** Quotes user text for an error line: bounded length, control characters made visible. */
function quote(raw: string): string {
  const visible = JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  return visible;
}
