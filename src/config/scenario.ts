import { InputError } from '../errors';
import {
  FAULT_NAMES,
  INCOMING_CONTEXT_NAMES,
  PROPAGATOR_NAMES,
  type ClientName,
  type Fault,
  type IncomingContext,
  type PropagatorName,
} from './inputs';
import { parseChoice, parseWholeNumber, quote, splitList } from './values';

/** The self-test's scenario inputs: propagators, incoming context, faults. */

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

export function parsePropagators(raw: string): PropagatorName[] {
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

export function parseIncoming(
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

export function parseFault(
  rawKind: string,
  rawHop: string,
  services: number,
  client: ClientName,
  requests: number,
  propagators: readonly PropagatorName[],
): Fault | undefined {
  const kind = parseChoice('fault', rawKind, FAULT_NAMES);
  // Validated even without a fault: a typo here should not wait for the day a fault is set.
  const hop = parseWholeNumber('fault-hop', rawHop, { min: 1, max: services - 1 });
  if (kind === 'none') return undefined;
  if (traceContextPropagators(propagators).length === 0) {
    // Without a trace-context propagator every hop breaks, so a fault would prove nothing: the
    // negative control would pass for the wrong reason.
    throw new InputError(
      `Input 'fault' needs a trace-context propagator in 'propagators' (tracecontext, b3, b3multi or jaeger): with ${propagators.length ? propagators.join(',') : 'none'} every hop breaks anyway, so the fault would prove nothing.`,
    );
  }
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
