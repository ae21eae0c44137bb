import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import got, { HTTPError } from 'got';
import type { IncomingContext } from '../../config';
import { progress } from '../../progress';
import type { TraceFormatName } from '../../verify/formats/context-headers';
import type { ProbeContext } from '../../verify/types';
import { describeHopFailure, errorCode, errorText, hopFailureFrom, oneLine } from './hop-failure';
import { newProbeContext, probeHeaders } from './probe-headers';
import type { ServiceAnswer } from './report-body';

export interface ProbeOptions {
  url: string;
  requests: number;
  concurrency: number;
  timeoutMs: number;
  /** With an incoming context: the formats to write it in, and its shape. */
  incoming: { context: IncomingContext; formats: readonly TraceFormatName[] } | undefined;
  /** Aborted when the run gives up (its time bound passed): no new probe starts, sockets close. */
  signal?: AbortSignal;
}

export interface ProbeResult {
  /** 1-based. */
  index: number;
  answer: ServiceAnswer;
  latencyMs: number;
  sent: ProbeContext | undefined;
}

/**
 * Sends the probe requests to the entry service, `concurrency` at a time, as an outside caller:
 * tracing is suppressed, so nothing is injected but the context we write ourselves, and without
 * one the entry service's server span is the root of each trace.
 */
export async function sendProbes(options: ProbeOptions): Promise<ProbeResult[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const client = got.extend({
    agent: { http: agent },
    retry: { limit: 0 },
    timeout: { request: options.timeoutMs },
  });
  const results: ProbeResult[] = [];
  let nextIndex = 1;
  const stop = (): void => agent.destroy();
  options.signal?.addEventListener('abort', stop, { once: true });
  const worker = async (): Promise<void> => {
    while (nextIndex <= options.requests && !options.signal?.aborted) {
      const index = nextIndex++;
      results.push(await probeOnce(client, options, index));
      progress.requestAnswered();
    }
  };
  try {
    await context.with(suppressTracing(context.active()), () =>
      Promise.all(Array.from({ length: options.concurrency }, worker)),
    );
  } finally {
    options.signal?.removeEventListener('abort', stop);
    agent.destroy();
  }
  return results.sort((a, b) => a.index - b.index);
}

async function probeOnce(
  client: typeof got,
  options: ProbeOptions,
  index: number,
): Promise<ProbeResult> {
  const sent = options.incoming
    ? newProbeContext(options.incoming.context.sampled, options.incoming.context.tracestate)
    : undefined;
  const headers = sent && options.incoming ? probeHeaders(sent, options.incoming.formats) : {};
  const started = performance.now();
  try {
    const answer = await client.get(options.url, { headers }).json<ServiceAnswer>();
    return { index, answer, latencyMs: performance.now() - started, sent };
  } catch (error) {
    throw new Error(`Probe request ${index}: ${probeFailure(error, options.url)}.`);
  }
}

/**
 * Why a probe got no answer: the inner hop that failed, with its request and error code, when the
 * chain reported one; else the entry's status or the probe's own error code.
 */
function probeFailure(error: unknown, url: string): string {
  if (error instanceof HTTPError) {
    const body = String(error.response.body);
    const failure = hopFailureFrom(body);
    if (failure) return describeHopFailure(failure);
    return `GET ${url} answered HTTP ${error.response.statusCode}: ${oneLine(body)}`;
  }
  return `GET ${url} failed with ${errorCode(error)}: ${errorText(error)}`;
}
