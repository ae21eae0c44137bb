import http from 'node:http';
import https from 'node:https';
import { context, propagation, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import Koa from 'koa';
import koaPackage from 'koa/package.json';
import type { PropagatorName } from '../config';
import type { SpanRecord } from '../verify/types';
import { patchLoadedModule } from './bundled-modules';
import { buildPropagator } from './propagators';
import { ServiceAttributionProcessor } from './service-attribution';
import { SERVICE_ATTRIBUTE, toSpanRecord } from './span-records';

/** The tracing of the embedded services: what was exported, and how to stop. */
export interface Tracing {
  /** Names the embedded service listening on a port, so its spans are attributed to it. */
  nameService(port: number, service: string): void;
  /** Every span exported so far, as span records. */
  spans(): SpanRecord[];
  /** Removes the patches, shuts the provider down and releases the global API. */
  shutdown(): Promise<void>;
}

/**
 * Sets up OpenTelemetry for the embedded services. Must run before the services are built: koa's
 * patch wraps Application.prototype.use, so middleware added earlier would not be traced.
 */
export function startTracing(propagators: readonly PropagatorName[]): Tracing {
  const serviceByPort = new Map<number, string>();
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'propagation-check' }),
    spanProcessors: [new ServiceAttributionProcessor(), new SimpleSpanProcessor(exporter)],
  });
  provider.register({ propagator: buildPropagator(propagators) });

  // `enabled: false` keeps the require and import hooks off: in the bundle they would not see koa,
  // and the modules we patch below are the very objects the services use.
  const httpInstrumentation = new HttpInstrumentation({
    enabled: false,
    startIncomingSpanHook: (request) => {
      const service = serviceByPort.get(request.socket.localPort ?? -1);
      return service === undefined ? {} : { [SERVICE_ATTRIBUTE]: service };
    },
  });
  const koaInstrumentation = new KoaInstrumentation({ enabled: false });
  httpInstrumentation.setTracerProvider(provider);
  koaInstrumentation.setTracerProvider(provider);
  const unpatches = [
    patchLoadedModule(httpInstrumentation, {
      name: 'http',
      version: process.versions.node,
      exports: http,
    }),
    patchLoadedModule(httpInstrumentation, {
      name: 'https',
      version: process.versions.node,
      exports: https,
    }),
    patchLoadedModule(koaInstrumentation, {
      name: 'koa',
      version: koaPackage.version,
      exports: Koa,
    }),
  ];

  return {
    nameService: (port, service) => serviceByPort.set(port, service),
    spans: () =>
      exporter
        .getFinishedSpans()
        .map(toSpanRecord)
        .sort((a, b) => a.startTimeMs - b.startTimeMs),
    shutdown: async () => {
      for (const unpatch of unpatches) unpatch();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
