import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import got, { HTTPError } from 'got';
import type { ServiceAnswer } from './report-body';

/**
 * Requests the entry service as an outside caller would, with no context: tracing is suppressed
 * for the probe, so no header is injected and the entry service's server span is the trace's root.
 */
export async function probe(url: string, timeoutMs: number): Promise<ServiceAnswer> {
  try {
    return await context.with(suppressTracing(context.active()), () =>
      got.get(url, { retry: { limit: 0 }, timeout: { request: timeoutMs } }).json<ServiceAnswer>(),
    );
  } catch (error) {
    if (error instanceof HTTPError) {
      throw new Error(
        `GET ${url} answered HTTP ${error.response.statusCode}: ${String(error.response.body).slice(0, 300)}`,
      );
    }
    throw error;
  }
}
