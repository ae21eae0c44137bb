import type { Config } from './config';
import { Deadline } from './deadline';
import { startChain, type RunningChain, type ServiceSpec } from './services/chain';
import { probe } from './services/probe';
import { hopsFromAnswer, type ServiceAnswer } from './services/report-body';
import { startTracing } from './telemetry/tracing';
import type { SpanRecord, Verification } from './verify/types';
import { verifyPropagation } from './verify/verify';

/** How long to wait for the last spans to end after the probe's answer arrived. */
const SPAN_SETTLE_CAP_MS = 2000;

/** Everything a report needs: the evidence, the spans and the verdict. */
export interface CheckOutcome {
  config: Config;
  services: { name: string; port: number; url: string }[];
  answer: ServiceAnswer;
  spans: SpanRecord[];
  verification: Verification;
}

/** The self-test: start service A and B, send the probe, collect spans, verify. */
export async function runCheck(config: Config): Promise<CheckOutcome> {
  const deadline = new Deadline(config.timeoutMs);
  const tracing = startTracing(config.propagators);
  let chain: RunningChain | undefined;
  try {
    const specs: ServiceSpec[] = [
      { name: 'service-a', route: '/call-b', port: config.ports.a, portInput: 'port-a' },
      { name: 'service-b', route: '/work', port: config.ports.b, portInput: 'port-b' },
    ];
    chain = await deadline.race(
      startChain(specs, deadline.remainingMs(), tracing.nameService),
      'the embedded services to listen',
    );
    const answer = await deadline.race(
      probe(chain.entryUrl, deadline.remainingMs()),
      `the answer of ${chain.entryUrl}`,
    );
    const hops = hopsFromAnswer(answer);
    const services = chain.services.map(({ name, port, url }) => ({ name, port, url }));
    // Server spans end just after their response is written: wait, bounded, until each service
    // has exported its server span and each caller its client span.
    await deadline.until(() => allSpansEnded(tracing.spans(), services.length), SPAN_SETTLE_CAP_MS);
    const spans = tracing.spans();
    const verification = verifyPropagation({
      services: services.map((s) => s.name),
      hops,
      spans,
    });
    return { config, services, answer, spans, verification };
  } finally {
    await chain?.close();
    await tracing.shutdown();
  }
}

function allSpansEnded(spans: readonly SpanRecord[], serviceCount: number): boolean {
  const servers = new Set(spans.filter((s) => s.kind === 'server').map((s) => s.service));
  const clients = new Set(spans.filter((s) => s.kind === 'client').map((s) => s.service));
  return servers.size >= serviceCount && clients.size >= serviceCount - 1;
}
