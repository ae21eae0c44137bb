import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import type { Fault, PropagatorName } from '../config';
import { currentService } from './service-scope';

/**
 * Builds the propagator in code. NodeTracerProvider.register() in sdk-trace-node 2.x ignores
 * OTEL_PROPAGATORS, so the configuration has to arrive this way. An empty list gives a composite
 * of nothing: no header is injected or extracted.
 */
export function buildPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  return new CompositePropagator({ propagators: names.map(propagatorFor) });
}

function propagatorFor(name: PropagatorName): TextMapPropagator {
  switch (name) {
    case 'tracecontext':
      return new W3CTraceContextPropagator();
    case 'baggage':
      return new W3CBaggagePropagator();
    case 'b3':
      return new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
    case 'b3multi':
      return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
    case 'jaeger':
      return new JaegerPropagator();
  }
}

/** How one service injects and extracts, when a fault makes it differ from the rest. */
export interface ServicePropagation {
  inject: TextMapPropagator;
  extract: TextMapPropagator;
}

/**
 * The propagator for the chain. All services share one process and one global propagator, so a
 * service that must behave differently (a fault) is told apart by the service scope the request
 * runs in.
 */
export class ServiceScopedPropagator implements TextMapPropagator {
  constructor(
    private readonly shared: TextMapPropagator,
    private readonly overrides: ReadonlyMap<string, ServicePropagation>,
  ) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    (this.override()?.inject ?? this.shared).inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return (this.override()?.extract ?? this.shared).extract(context, carrier, getter);
  }

  fields(): string[] {
    const all = [
      this.shared,
      ...[...this.overrides.values()].flatMap((o) => [o.inject, o.extract]),
    ];
    return [...new Set(all.flatMap((propagator) => propagator.fields()))];
  }

  private override(): ServicePropagation | undefined {
    // Without a fault there is nothing to look up: skip the async-local lookup on every call.
    if (this.overrides.size === 0) return undefined;
    const service = currentService();
    return service === undefined ? undefined : this.overrides.get(service);
  }
}

/** A propagator that does nothing: a service that ignores incoming context. */
const NOTHING = new CompositePropagator({ propagators: [] });

/**
 * The per-service propagation a fault calls for, keyed by service name:
 * - propagator-mismatch: the caller injects B3 only, the callee extracts W3C trace context only;
 * - ignore-context: the callee extracts nothing, so it starts a new root.
 * Other faults break the hop outside the propagator.
 */
export function faultPropagation(
  fault: Fault | undefined,
  serviceNames: readonly string[],
  shared: TextMapPropagator,
): Map<string, ServicePropagation> {
  const overrides = new Map<string, ServicePropagation>();
  if (fault === undefined) return overrides;
  const caller = serviceNames[fault.hop - 1]!;
  const callee = serviceNames[fault.hop]!;
  if (fault.kind === 'propagator-mismatch') {
    overrides.set(caller, { inject: propagatorFor('b3'), extract: shared });
    overrides.set(callee, { inject: shared, extract: propagatorFor('tracecontext') });
  } else if (fault.kind === 'ignore-context') {
    overrides.set(callee, { inject: shared, extract: NOTHING });
  }
  return overrides;
}
