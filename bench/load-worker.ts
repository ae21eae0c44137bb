/**
 * One side of the load benchmark, in its own process (instrumentation patches http and koa for
 * the whole process, so traced and untraced cannot share one):
 *
 *   node --import tsx bench/load-worker.ts traced|untraced|stock
 *
 * Starts the chain the action would start for `hops: 3, requests: 2000, concurrency: 50` (from the
 * project's own modules), sends a warm-up batch, then the measured batch, and prints one line:
 * `RESULT {json}`. Traced, it also waits for the exported spans and times the pure verifier on
 * the measured requests, several times. `stock` traces the same chain with the stock upstream
 * setup instead of ours (bench/stock-tracing.ts), keeping no span: the instrumentations' own cost.
 *
 * The chain's modules are loaded only after the tracing starts, in every mode, as a service
 * loads its code after its tracing set-up: the stock setup patches through require hooks.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { parseConfig, traceContextPropagators, type InputName } from '../src/config';
import type * as ChainModule from '../src/modes/self-test/chain';
import type * as ProbeModule from '../src/modes/self-test/probe';
import type { ProbeResult } from '../src/modes/self-test/probe';
import type * as ReportBodyModule from '../src/modes/self-test/report-body';
import type { Tracing } from '../src/modes/self-test/telemetry/tracing';
import { TRACE_FORMATS } from '../src/verify/formats/context-headers';
import type { RequestEvidence } from '../src/verify/types';
import { verifyPropagation } from '../src/verify/header-checks/requests';
import { LOAD, percentile, type LoadResult } from './lib';
import type { StockTracing } from './stock-tracing';

/** Bound on each batch of requests, and on the wait for spans. */
const BATCH_TIMEOUT_MS = 60_000;
const SPAN_WAIT_CAP_MS = 10_000;

const INPUTS: Partial<Record<InputName, string>> = {
  hops: String(LOAD.hops),
  requests: String(LOAD.requests),
  concurrency: String(LOAD.concurrency),
  // `LOAD_CLIENT=http|fetch`: the services' client for their calls (default got, the action's).
  client: process.env.LOAD_CLIENT ?? '',
};

type Mode = LoadResult['mode'];

async function main(mode: Mode): Promise<LoadResult> {
  const config = parseConfig((name) => INPUTS[name] ?? '');
  const names = Array.from({ length: config.services }, (_, index) =>
    String.fromCharCode('a'.charCodeAt(0) + index),
  ).map((letter) => `service-${letter}`);
  let tracing: Tracing | undefined;
  let stock: StockTracing | undefined;
  if (mode === 'traced') {
    // Loaded only here: the untraced process never even imports the instrumentations.
    const { startTracing, tracingOptionsFor } =
      await import('../src/modes/self-test/telemetry/tracing');
    tracing = await startTracing(tracingOptionsFor(config, names));
  } else if (mode === 'stock') {
    const { startStockTracing } = await import('./stock-tracing');
    stock = startStockTracing();
  }
  const { chainSpecs, startChain } =
    (await import('../src/modes/self-test/chain')) as typeof ChainModule;
  const { sendProbes } = (await import('../src/modes/self-test/probe')) as typeof ProbeModule;
  if (chainSpecs(config).some((spec, index) => spec.name !== names[index])) {
    throw new Error('load-worker: the service names differ from chainSpecs');
  }
  let chain: ChainModule.RunningChain | undefined;
  try {
    chain = await startChain({
      specs: chainSpecs(config),
      client: config.client,
      fault: config.fault,
      timeoutMs: BATCH_TIMEOUT_MS,
    });
    const batch = (requests: number): Promise<ProbeResult[]> =>
      sendProbes({
        url: chain!.entryUrl,
        requests,
        concurrency: config.concurrency,
        timeoutMs: BATCH_TIMEOUT_MS,
        incoming: undefined,
      });
    await batch(LOAD.warmup);
    const profiler = await startProfile(process.env.LOAD_CPU_PROFILE);
    const endedBefore = stock?.ended() ?? 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const probes = await batch(config.requests);
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const endedInBatch = (stock?.ended() ?? 0) - endedBefore;
    await profiler?.();
    const latencies = probes.map((probe) => probe.latencyMs);
    const result: LoadResult = {
      mode,
      requests: probes.length,
      wallMs,
      throughput: (probes.length / wallMs) * 1000,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / probes.length,
      maxRssMiB: 0,
      ...(stock && { spansPerRequest: endedInBatch / probes.length }),
    };
    if (tracing) Object.assign(result, await verifyTiming(tracing, probes, config, names));
    result.maxRssMiB = process.resourceUsage().maxRSS / 1024;
    return result;
  } finally {
    await chain?.close();
    await tracing?.shutdown();
    await stock?.stop();
  }
}

/**
 * With `LOAD_CPU_PROFILE=<file>`, a V8 CPU profile of the measured batch only (not the start-up,
 * the warm-up or the verification), sampled every 250 µs: returns the function that stops it and
 * writes the file. Profiled batches are slower; use them for shares, not for the ratios.
 */
async function startProfile(file: string | undefined): Promise<(() => Promise<void>) | undefined> {
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Waits (bounded) for the spans, then times the collection and the pure verdict. */
async function verifyTiming(
  tracing: Tracing,
  probes: ProbeResult[],
  config: ReturnType<typeof parseConfig>,
  names: string[],
): Promise<Partial<LoadResult>> {
  // Every server span of the warm-up and measured batches, as the action waits.
  const expected = (LOAD.warmup + probes.length) * names.length;
  const waitStart = performance.now();
  while (performance.now() - waitStart < SPAN_WAIT_CAP_MS && tracing.serverSpanCount() < expected) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const spanWaitMs = performance.now() - waitStart;
  const { hopsFromAnswer } =
    (await import('../src/modes/self-test/report-body')) as typeof ReportBodyModule;

  const collectStart = performance.now();
  const all = tracing.spans();
  const collectMs = performance.now() - collectStart;
  // As src/modes/self-test/run.ts builds it (evidenceOf), for the measured requests and their traces only.
  const requests: RequestEvidence[] = probes.map((probe) => ({
    index: probe.index,
    hops: hopsFromAnswer(probe.answer),
    baggage: config.propagators.includes('baggage') ? probe.answer.baggage_sent : undefined,
    incoming: probe.sent,
  }));
  const traces = new Set(
    requests.flatMap((request) => request.hops.map((hop) => hop.callerReport.traceId)),
  );
  const spans = all.filter((span) => traces.has(span.traceId));
  const formats = traceContextPropagators(config.propagators);
  const input = {
    services: names,
    requests,
    spans,
    formats: (formats.length ? formats : ['tracecontext' as const]).map(
      (name) => TRACE_FORMATS[name],
    ),
    propagatorConfigured: formats.length > 0,
  };
  const verifyMs: number[] = [];
  let verdict = '';
  for (let run = 0; run < LOAD.verifyRuns; run += 1) {
    const start = performance.now();
    const verification = verifyPropagation(input);
    verifyMs.push(performance.now() - start);
    const failed = verification.requests.filter((request) => !request.passed).length;
    verdict = verification.passed ? 'pass' : `fail (${failed} requests failed)`;
  }
  return { spans: spans.length, spanWaitMs, collectMs, verifyMs, verdict };
}

const mode = process.argv[2];
if (mode === 'traced' || mode === 'untraced' || mode === 'stock') {
  main(mode).then(
    (result) => process.stdout.write(`RESULT ${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(
        `load-worker: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
