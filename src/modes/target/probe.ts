import { progress } from '../../progress';
import type { TargetConfig } from '../../config';
import { newProbeContext, probeHeaders } from '../self-test/probe-headers';
import type { TraceFormatName } from '../../verify/formats/context-headers';
import type { TargetProbe } from '../../verify/target';
import { describeFetchError } from './wait-for';

/** One probe sent to the user's target, and how the target answered. */
export interface TargetProbeResult extends TargetProbe {
  latencyMs: number;
  /** The context headers the probe sent. */
  headers: Record<string, string>;
}

export interface TargetProbeOptions {
  target: TargetConfig;
  requests: number;
  concurrency: number;
  formats: readonly TraceFormatName[];
  timeoutMs: () => number;
}

/**
 * Sends the probes, `concurrency` at a time, each with a fresh sampled context whose span id
 * stands for the probe itself. A failed request is recorded, not thrown: a target that refuses
 * or resets is a finding about the target.
 */
export async function sendTargetProbes(options: TargetProbeOptions): Promise<TargetProbeResult[]> {
  const results: TargetProbeResult[] = [];
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= options.requests) {
      const result = await probeOnce(options, next++);
      results.push(result);
      if (result.status !== undefined) progress.requestAnswered();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return results.sort((a, b) => a.index - b.index);
}

/** The most of an answer's body the probe reads: enough to see it end, not to fill memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the body to its end, so a connection cut mid-answer is seen, but no more than
 * MAX_BODY_BYTES of it: a target that streams forever must not fill the runner's memory.
 */
async function readBounded(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (reader === undefined) return;
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
    if (read > MAX_BODY_BYTES) {
      await reader.cancel();
      return;
    }
  }
}

async function probeOnce(options: TargetProbeOptions, index: number): Promise<TargetProbeResult> {
  const context = newProbeContext(true, undefined);
  const headers = probeHeaders(context, options.formats);
  const startMs = Date.now();
  const started = performance.now();
  let status: number | undefined;
  let error: string | undefined;
  try {
    const response = await fetch(options.target.url, {
      method: options.target.method,
      headers: { ...options.target.headers, ...headers },
      body: options.target.body,
      signal: AbortSignal.timeout(Math.max(1, options.timeoutMs())),
    });
    status = response.status;
    await readBounded(response);
  } catch (caught) {
    error = describeFetchError(caught);
  }
  return {
    index,
    traceId: context.traceId,
    spanId: context.spanId,
    startMs,
    endMs: Date.now(),
    latencyMs: performance.now() - started,
    status,
    error,
    headers,
  };
}
