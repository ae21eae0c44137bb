import type { SpanProcessor, Span } from '@opentelemetry/sdk-trace-base';
import { currentService } from './service-scope';
import { SERVICE_ATTRIBUTE } from './span-records';

/** Stamps each span with the embedded service whose request it was started in. */
export class ServiceAttributionProcessor implements SpanProcessor {
  onStart(span: Span): void {
    const service = currentService();
    if (service !== undefined) span.setAttribute(SERVICE_ATTRIBUTE, service);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
