// Issue 8's timing claims for target mode, measured from dist/ against real services in their
// own processes that export every 100 ms (OTEL_BSP_SCHEDULE_DELAY=100):
//   1. with expect-services, the median fail verdict comes no more than 1.5 s after the median
//      pass verdict on the same chain (no fixed extra wait for failures);
//   2. without expect-services, a healthy chain passes within export-delay + settle + 1 s;
//   3. a silent expected service is named within export-delay + settle + 1 s.
// Each figure is the dist/ process's wall time (start to exit), so node's own start is included.
// The pass verdict with expect-services, measured in the same run, is the baseline.
// Usage: node --import tsx bench/target-verdict.ts [runs per case, default 5]
import { runDist } from '../__tests__/helpers/run-dist';
import { freePorts, startChain, type FixtureOptions } from '../__tests__/target/harness';
import { fixed, heading, loadAverage, median, print, table } from './lib';

const RUNS = Number(process.argv[2] ?? 5);
const SETTLE_MS = 300;
const EXPORT_DELAY_MS = 1500;

interface Case {
  name: string;
  services: FixtureOptions[];
  expectServices: boolean;
  verdict: 'pass' | 'fail';
  /** The claim's bound in ms, when it has one of its own. */
  boundMs?: number;
}

const ABC = ['service-a', 'service-b', 'service-c'];
const chain = (options: Partial<FixtureOptions>[]): FixtureOptions[] =>
  options.map((o, index) => ({ name: ABC[index]!, ...o }));

const CASES: Case[] = [
  {
    name: 'healthy, expect-services',
    services: chain([{}, {}, {}]),
    expectServices: true,
    verdict: 'pass',
  },
  {
    name: 'uninstrumented client at service-b, expect-services',
    services: chain([{}, { client: 'fetch' }, {}]),
    expectServices: true,
    verdict: 'fail',
  },
  {
    name: 'service-b ignores the context, expect-services',
    services: chain([{}, { propagation: 'no-extract' }, {}]),
    expectServices: true,
    verdict: 'fail',
  },
  {
    name: 'healthy, no expect-services',
    services: chain([{}, {}, {}]),
    expectServices: false,
    verdict: 'pass',
    boundMs: EXPORT_DELAY_MS + SETTLE_MS + 1000,
  },
  {
    name: 'service-b exports nothing, expect-services',
    services: chain([{}, { exporter: 'none' }, {}]),
    expectServices: true,
    verdict: 'fail',
    boundMs: EXPORT_DELAY_MS + SETTLE_MS + 1000,
  },
];

/** One run of dist/ against a fresh chain: the process's wall time, and its verdict. */
async function once(test: Case): Promise<{ ms: number; verdict: string }> {
  const [httpPort, grpcPort] = await freePorts(2);
  const services = await startChain(test.services, { httpPort: httpPort!, grpcPort: grpcPort! });
  try {
    // The entry answers before the timed run starts: the bench times the verdict, not start-up.
    await fetch(services[0]!.url).then((r) => r.text());
    const run = await runDist({
      inputs: {
        'target-url': services[0]!.url,
        'receiver-http-port': String(httpPort),
        'receiver-grpc-port': String(grpcPort),
        'expect-services': test.expectServices ? test.services.map((s) => s.name).join(',') : '',
        settle: String(SETTLE_MS),
        'export-delay': String(EXPORT_DELAY_MS),
        timeout: '30',
      },
    });
    return { ms: run.elapsedMs, verdict: run.outputs.verdict ?? 'none' };
  } finally {
    await Promise.all(services.map((s) => s.stop()));
  }
}

async function main(): Promise<void> {
  heading(`target mode: time to verdict (${RUNS} runs per case; load ${loadAverage()})`);
  print(
    `settle ${SETTLE_MS} ms, export-delay ${EXPORT_DELAY_MS} ms, services export every 100 ms\n`,
  );
  const medians = new Map<string, number>();
  const rows: string[][] = [];
  for (const test of CASES) {
    const times: number[] = [];
    for (let index = 0; index < RUNS; index += 1) {
      const { ms, verdict } = await once(test);
      if (verdict !== test.verdict)
        throw new Error(`${test.name}: verdict ${verdict}, expected ${test.verdict}`);
      times.push(ms);
    }
    medians.set(test.name, median(times));
    const baseline = medians.get(CASES[0]!.name)!;
    const claim =
      test.boundMs !== undefined
        ? `<= ${test.boundMs} ms: ${median(times) <= test.boundMs ? 'met' : 'NOT met'}`
        : test.verdict === 'fail'
          ? `<= pass + 1500 ms: ${median(times) - baseline <= 1500 ? 'met' : 'NOT met'}`
          : 'baseline';
    rows.push([
      test.name,
      test.verdict,
      fixed(median(times), 0),
      fixed(Math.min(...times), 0),
      fixed(Math.max(...times), 0),
      `${fixed(median(times) - baseline, 0)} ms`,
      claim,
    ]);
  }
  print(
    table(['case', 'verdict', 'median ms', 'min ms', 'max ms', 'vs healthy pass', 'claim'], rows),
  );
}

void main();
