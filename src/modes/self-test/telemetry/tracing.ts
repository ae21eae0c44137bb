import http from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import Koa from 'koa';
import koaPackage from 'koa/package.json';
import type { Config, Fault, PropagatorName } from '../../../config';
import type { SpanRecord } from '../../../verify/types';
import { patchLoadedModule } from './bundled-modules';
import {
  buildPropagator,
  faultPropagation,
  loadPropagators,
  ServiceScopedPropagator,
} from './propagators';
import { SpanCapture } from './span-capture';

export interface TracingOptions {
  propagators: readonly PropagatorName[];
  /** Service names in chain order, for the per-service propagation a fault needs. */
  serviceNames: readonly string[];
  fault: Fault | undefined;
  /** Trace global fetch (undici). Off, fetch is the uninstrumented client users trip over. */
  traceFetch: boolean;
}

/** The tracing a config asks for, for the services of `serviceNames`. */
export function tracingOptionsFor(
  config: Pick<Config, 'propagators' | 'fault' | 'client'>,
  serviceNames: readonly string[],
): TracingOptions {
  return {
    propagators: config.propagators,
    serviceNames,
    fault: config.fault,
    traceFetch: config.client === 'fetch',
  };
}

/** The tracing of the embedded services: what was exported, and how to stop. */
export interface Tracing {
  /** Every span exported so far, as span records, oldest first. */
  spans(): SpanRecord[];
  /** How many server spans have been exported so far (cheap, for waiting). */
  serverSpanCount(): number;
  /** Removes the patches, shuts the provider down and releases the global API. */
  shutdown(): Promise<void>;
}

// ATTR_SERVICE_NAME of the semantic conventions (stable): spelled out, so this module does not
// import the whole package for one constant.
const ATTR_SERVICE_NAME = 'service.name';

/**
 * Sets up OpenTelemetry for the embedded services. Must run before the services are built: koa's
 * patch wraps Application.prototype.use, so middleware added earlier would not be traced. Loads
 * only what the options need: the B3 and Jaeger propagators when configured, the undici
 * instrumentation only to trace fetch.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const [loaded, undiciModule] = await Promise.all([
    loadPropagators(options.propagators, options.fault),
    options.traceFetch ? import('@opentelemetry/instrumentation-undici') : undefined,
  ]);
  const capture = new SpanCapture();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'propagation-check' }),
    spanProcessors: [capture],
  });
  const shared = buildPropagator(options.propagators, loaded);
  provider.register({
    propagator: new ServiceScopedPropagator(
      shared,
      faultPropagation(options.fault, options.serviceNames, shared, loaded),
    ),
  });

  // `enabled: false` keeps the require and import hooks off: in the bundle they would not see koa,
  // and the modules we patch below are the very objects the services use.
  const httpInstrumentation = new HttpInstrumentation({
    enabled: false,
    // The probes are the outside caller and are sent with tracing suppressed: they carry only
    // the context the probe writes itself, and no span of theirs is recorded. Left to the
    // instrumentation, each probe request would still get a non-recording span, its URL
    // parsed into attributes and its request and response emitters wrapped for context, for
    // nothing. Skipping them sends the same headers; every service's own calls are traced.
    ignoreOutgoingRequestHook: () => isTracingSuppressed(context.active()),
  });
  const koaInstrumentation = new KoaInstrumentation({ enabled: false });
  httpInstrumentation.setTracerProvider(provider);
  koaInstrumentation.setTracerProvider(provider);
  // Only `http`: every request the self-test makes (probes, calls between services) is plain HTTP
  // on 127.0.0.1, so patching `https` too only cost start-up (wrappers built and installed, never
  // called).
  const unpatches = [
    patchLoadedModule(httpInstrumentation, {
      name: 'http',
      version: process.versions.node,
      exports: http,
    }),
    patchLoadedModule(koaInstrumentation, {
      name: 'koa',
      version: koaPackage.version,
      exports: Koa,
    }),
  ];
  // undici reports through diagnostics channels, not a module patch: enabling subscribes to them.
  const undici = undiciModule && new undiciModule.UndiciInstrumentation();
  undici?.setTracerProvider(provider);

  return {
    spans: () => capture.spans(),
    serverSpanCount: () => capture.serverSpanCount(),
    shutdown: async () => {
      undici?.disable();
      for (const unpatch of unpatches) unpatch();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
