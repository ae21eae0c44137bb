import { trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SERVICE_ATTRIBUTE } from './span-records';

/**
 * Both embedded services share one process and one tracer provider, so the resource cannot tell
 * their spans apart. Server spans are named by the port they were received on (see the http
 * instrumentation's startIncomingSpanHook); every other span inherits the name of its local parent.
 */
export class ServiceAttributionProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    if (span.attributes[SERVICE_ATTRIBUTE] !== undefined) return;
    const parent = trace.getSpan(parentContext);
    if (parent === undefined || parent.spanContext().isRemote) return;
    const inherited = (parent as Partial<ReadableSpan>).attributes?.[SERVICE_ATTRIBUTE];
    if (inherited !== undefined) span.setAttribute(SERVICE_ATTRIBUTE, inherited);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
