import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import type * as B3Module from '@opentelemetry/propagator-b3';
import type * as JaegerModule from '@opentelemetry/propagator-jaeger';
import type { Fault, PropagatorName } from '../../../config';
import { currentService } from './service-scope';

/**
 * The propagator packages only some inputs need, loaded when they do (in the bundle each is a
 * chunk of its own): the default run (`tracecontext,baggage`) loads neither.
 */
export interface OptionalPropagators {
  b3: typeof B3Module | undefined;
  jaeger: typeof JaegerModule | undefined;
}

/** Loads the propagator packages these names (and the fault, which may inject B3) use. */
export async function loadPropagators(
  names: readonly PropagatorName[],
  fault: Fault | undefined,
): Promise<OptionalPropagators> {
  const needsB3 =
    names.includes('b3') || names.includes('b3multi') || fault?.kind === 'propagator-mismatch';
  const [b3, jaeger] = await Promise.all([
    needsB3 ? import('@opentelemetry/propagator-b3') : undefined,
    names.includes('jaeger') ? import('@opentelemetry/propagator-jaeger') : undefined,
  ]);
  return { b3, jaeger };
}

/**
 * Builds the propagator in code. NodeTracerProvider.register() in sdk-trace-node 2.x ignores
 * OTEL_PROPAGATORS, so the configuration has to arrive this way. An empty list gives a composite
 * of nothing: no header is injected or extracted.
 */
export function buildPropagator(
  names: readonly PropagatorName[],
  loaded: OptionalPropagators,
): TextMapPropagator {
  return new CompositePropagator({ propagators: names.map((name) => propagatorFor(name, loaded)) });
}

function propagatorFor(name: PropagatorName, loaded: OptionalPropagators): TextMapPropagator {
  switch (name) {
    case 'tracecontext':
      return new W3CTraceContextPropagator();
    case 'baggage':
      return new W3CBaggagePropagator();
    case 'b3':
    case 'b3multi': {
      const b3 = required(loaded.b3, name);
      const encoding = name === 'b3' ? 'SINGLE_HEADER' : 'MULTI_HEADER';
      return new b3.B3Propagator({ injectEncoding: b3.B3InjectEncoding[encoding] });
    }
    case 'jaeger':
      return new (required(loaded.jaeger, name).JaegerPropagator)();
  }
}

function required<T>(module: T | undefined, name: PropagatorName): T {
  if (module === undefined) throw new Error(`the ${name} propagator was not loaded`);
  return module;
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
  loaded: OptionalPropagators,
): Map<string, ServicePropagation> {
  const overrides = new Map<string, ServicePropagation>();
  if (fault === undefined) return overrides;
  const caller = serviceNames[fault.hop - 1]!;
  const callee = serviceNames[fault.hop]!;
  if (fault.kind === 'propagator-mismatch') {
    overrides.set(caller, { inject: propagatorFor('b3', loaded), extract: shared });
    overrides.set(callee, { inject: shared, extract: propagatorFor('tracecontext', loaded) });
  } else if (fault.kind === 'ignore-context') {
    overrides.set(callee, { inject: shared, extract: NOTHING });
  }
  return overrides;
}
