/**
 * The traced load chain's work per request, counted rather than timed (so other load on the
 * machine cannot move it): context switches (`ContextManager.with`), event emitters whose
 * listeners the context manager wraps, listeners wrapped, and spans recorded, over 500 requests
 * at concurrency 50 through the load benchmark's 3 services, after a warm-up.
 *
 *   node --import tsx bench/load-work.ts [checkout ...]    (default: this checkout)
 *
 * `LOAD_WORK_HOPS=<n>`: that many services instead (e.g. 16, the largest documented chain).
 *
 * Give several checkouts (each with node_modules resolving to the same OpenTelemetry packages)
 * to compare revisions; each is counted in its own process.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type * as ConfigModule from '../src/config/index';
import type * as ChainModule from '../src/modes/self-test/chain';
import type * as ProbeModule from '../src/modes/self-test/probe';
import type * as TracingModule from '../src/modes/self-test/telemetry/tracing';
import { LOAD, REPO } from './lib';

const REQUESTS = 500;
const HOPS = Number(process.env.LOAD_WORK_HOPS ?? '') || LOAD.hops;
const TIMEOUT_MS = 60_000;

interface Counts {
  with: number;
  emittersBound: number;
  listenersWrapped: number;
}

/** Counts calls on the context manager's prototype: every instance the SDK makes is counted. */
function countContextWork(): Counts {
  const counts: Counts = { with: 0, emittersBound: 0, listenersWrapped: 0 };
  const prototype = AsyncLocalStorageContextManager.prototype as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  const wrap = (method: string, key: keyof Counts): void => {
    const original = prototype[method]!;
    prototype[method] = function counted(this: unknown, ...args: unknown[]) {
      counts[key] += 1;
      return original.apply(this, args);
    };
  };
  wrap('with', 'with');
  wrap('_bindEventEmitter', 'emittersBound');
  wrap('_bindFunction', 'listenersWrapped');
  return counts;
}

async function count(repo: string): Promise<void> {
  const counts = countContextWork();
  const { parseConfig } = (await import(`${repo}/src/config/index.ts`)) as typeof ConfigModule;
  const { chainSpecs, startChain } = (await import(
    `${repo}/src/modes/self-test/chain.ts`
  )) as typeof ChainModule;
  const { sendProbes } = (await import(
    `${repo}/src/modes/self-test/probe.ts`
  )) as typeof ProbeModule;
  const { startTracing, tracingOptionsFor } = (await import(
    `${repo}/src/modes/self-test/telemetry/tracing.ts`
  )) as typeof TracingModule;
  const config = parseConfig((name) => (name === 'hops' ? String(HOPS) : ''));
  const names = chainSpecs(config).map((spec) => spec.name);
  const tracing = await startTracing(tracingOptionsFor(config, names));
  const chain = await startChain({
    specs: chainSpecs(config),
    client: config.client,
    fault: undefined,
    timeoutMs: TIMEOUT_MS,
  });
  try {
    const batch = (requests: number): Promise<unknown> =>
      sendProbes({
        url: chain.entryUrl,
        requests,
        concurrency: LOAD.concurrency,
        timeoutMs: TIMEOUT_MS,
        incoming: undefined,
      });
    await batch(LOAD.concurrency);
    const before = { ...counts };
    const spansBefore = tracing.spans().length;
    await batch(REQUESTS);
    const per = (key: keyof Counts): string => ((counts[key] - before[key]) / REQUESTS).toFixed(1);
    process.stdout.write(
      `| ${repo} | ${per('with')} | ${per('emittersBound')} | ${per('listenersWrapped')} | ${((tracing.spans().length - spansBefore) / REQUESTS).toFixed(1)} |\n`,
    );
  } finally {
    await chain.close();
    await tracing.shutdown();
  }
}

const [first] = process.argv.slice(2);
if (process.env.LOAD_WORK_CHILD === '1' && first !== undefined) {
  count(resolve(first)).catch((error: unknown) => {
    process.stderr.write(`load-work: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
} else {
  const repos = process.argv.length > 2 ? process.argv.slice(2) : [REPO];
  process.stdout.write(
    `Per request, ${REQUESTS} requests at concurrency ${LOAD.concurrency} through ${HOPS} services (traced):\n\n` +
      '| checkout | context switches (with) | emitters bound | listeners wrapped | spans |\n| --- | ---: | ---: | ---: | ---: |\n',
  );
  for (const repo of repos) {
    // One process per checkout: the instrumentation patches http for the whole process.
    const run = spawnSync(process.execPath, ['--import', 'tsx', __filename, repo], {
      env: { ...process.env, LOAD_WORK_CHILD: '1' },
      encoding: 'utf8',
      timeout: TIMEOUT_MS * 2,
    });
    process.stdout.write(run.stdout || `| ${repo} | failed: ${run.stderr.split('\n')[0]} |\n`);
  }
}
