import v8 from 'node:v8';
import { checkedFormats, traceContextPropagators, type Config } from '../../config';
import { Deadline } from '../../deadline';
import { progress } from '../../progress';
import { chainSpecs, startChain, type RunningChain } from './chain';
import { sendProbes, type ProbeResult } from './probe';
import { hopsFromAnswer } from './report-body';
import { startTracing, tracingOptionsFor } from './telemetry/tracing';
import { TRACE_FORMATS } from '../../verify/formats/context-headers';
import type { RequestEvidence, SpanRecord, Verification } from '../../verify/types';
import { verify } from '../../verify/observation';

/** After the last answer, how long the last server spans may take to end before we stop waiting. */
const SPAN_SETTLE_CAP_MS = 2000;

/** Everything a report needs: the evidence, the spans and the verdict. */
export interface CheckOutcome {
  config: Config;
  services: { name: string; port: number; url: string }[];
  /** Each probe's number and latency: the answers themselves go once read into evidence. */
  probes: Pick<ProbeResult, 'index' | 'latencyMs'>[];
  spans: SpanRecord[];
  verification: Verification;
}

/** Calls (requests x services) from which the heap is kept close to its live size. */
const LARGE_RUN_CALLS = 10_000;

/**
 * Keeps V8's heap within 30% of its live data, instead of letting it grow up to 4x when the
 * collector falls behind (as it does on a busy runner). The live data of the largest run is a few
 * hundred megabytes; its heap had grown past a gigabyte. The flag is read at each collection, so
 * setting it now takes effect; it costs some collector time, so small runs are left alone.
 */
function boundHeapGrowth(config: Pick<Config, 'requests' | 'services'>): void {
  if (config.requests * config.services >= LARGE_RUN_CALLS) {
    v8.setFlagsFromString('--heap-growing-percent=30');
  }
}

/** The self-test: start the chain, send the probes, collect spans, verify. */
export async function runCheck(config: Config): Promise<CheckOutcome> {
  boundHeapGrowth(config);
  const deadline = new Deadline(config.timeoutMs);
  const specs = chainSpecs(config);
  const names = specs.map((spec) => spec.name);
  const traceFormats = traceContextPropagators(config.propagators);
  const tracing = await startTracing(tracingOptionsFor(config, names));
  progress.phase('starting the embedded services', config.requests);
  progress.watchSpans({
    services: () => [...new Set(tracing.spans().map((span) => span.service))],
    spanCount: () => tracing.spans().length,
  });
  let chain: RunningChain | undefined;
  // On a timeout the probes are abandoned, not finished: stop them, so nothing keeps running.
  const abandon = new AbortController();
  try {
    chain = await deadline.race(
      startChain({
        specs,
        client: config.client,
        fault: config.fault,
        timeoutMs: deadline.remainingMs(),
      }),
      'the embedded services to listen',
    );
    progress.phase(`sending the probes to ${chain.entryUrl}`);
    let answered: ProbeResult[] | undefined = await deadline.race(
      sendProbes({
        url: chain.entryUrl,
        requests: config.requests,
        concurrency: config.concurrency,
        timeoutMs: deadline.remainingMs(),
        incoming: config.incoming && { context: config.incoming, formats: traceFormats },
        signal: abandon.signal,
      }),
      `the answers to ${config.requests} probe request${config.requests === 1 ? '' : 's'} to ${chain.entryUrl}`,
    );
    progress.phase('waiting for the last spans');
    // The nested answers of a 10,000-request, 16-service run are large: keep the evidence and
    // the timings, and let the answers go before the spans are read.
    const requests = answered.map((probe) => evidenceOf(probe, config));
    const probes = answered.map(({ index, latencyMs }) => ({ index, latencyMs }));
    answered = undefined;
    if (config.incoming?.sampled ?? true) {
      // A server span ends just after its response is written, and every other span of a request
      // ends before its server span: once each service has exported one server span per request,
      // the export is complete. Bounded, in case a span never ends.
      const expected = config.requests * config.services;
      await deadline.until(() => tracing.serverSpanCount() >= expected, SPAN_SETTLE_CAP_MS);
    }
    const spans = tracing.spans();
    const verification = verify({
      mode: 'self-test',
      services: names,
      requests,
      spans,
      formats: checkedFormats(config.propagators).map((name) => TRACE_FORMATS[name]),
      propagatorConfigured: traceFormats.length > 0,
    });
    const services = chain.services.map(({ name, port, url }) => ({ name, port, url }));
    return { config, services, probes, spans, verification };
  } finally {
    abandon.abort();
    await chain?.close();
    await tracing.shutdown();
  }
}

function evidenceOf(probe: ProbeResult, config: Config): RequestEvidence {
  return {
    index: probe.index,
    hops: hopsFromAnswer(probe.answer),
    baggage: config.propagators.includes('baggage') ? probe.answer.baggage_sent : undefined,
    incoming: probe.sent,
  };
}
