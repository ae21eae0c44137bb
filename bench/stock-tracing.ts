/**
 * The load benchmark's `stock` twin: the chain traced the way a user's service is traced by the
 * stock upstream setup, to tell the instrumentations' own cost from ours. A NodeTracerProvider
 * registered with its default propagator (W3C trace context and baggage), a span processor that
 * drops every span, and `HttpInstrumentation` and `KoaInstrumentation` with their default
 * configuration, enabled through `registerInstrumentations` (require hooks): so the chain's
 * modules (koa, got) must be loaded after this runs.
 *
 * One difference from the defaults, applied equally to our traced worker: outgoing requests sent
 * with tracing suppressed are skipped (`ignoreOutgoingRequestHook`). Those are the probes, the
 * load generator, which in a real deployment sends from another process; left in, the stock side
 * would pay for the load generator's instrumented requests and ours would not.
 * `LOAD_STOCK_DEFAULT=1` leaves even that out (every option at its default).
 */
import { context } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface StockTracing {
  /** Spans ended so far (counted, then dropped): proves the chain is traced. */
  ended(): number;
  stop(): Promise<void>;
}

/** Starts the stock setup. */
export function startStockTracing(): StockTracing {
  let ended = 0;
  // Drops every span: the SDK still creates, records and ends them, nothing is kept.
  const drop: SpanProcessor = {
    onStart: () => {},
    onEnd: () => {
      ended += 1;
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const provider = new NodeTracerProvider({ spanProcessors: [drop] });
  provider.register();
  const skipProbes = process.env.LOAD_STOCK_DEFAULT !== '1';
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation(
        skipProbes
          ? { ignoreOutgoingRequestHook: () => isTracingSuppressed(context.active()) }
          : {},
      ),
      new KoaInstrumentation(),
    ],
  });
  return {
    ended: () => ended,
    stop: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}
