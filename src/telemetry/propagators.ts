import type { TextMapPropagator } from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import type { PropagatorName } from '../config';

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
  }
}
