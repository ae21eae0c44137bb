/**
 * Time to verdict in target mode for a healthy three-service chain (the fixtures of
 * __tests__/target), two ways, interleaved (A B A B ...), medians quoted:
 *
 * - services: the action starts the chain itself (input `services`, 100 ms batch delay injected);
 *   phases from the action's own marks (PROPAGATION_CHECK_TIMINGS=1): start-up to the receiver,
 *   service start-up to readiness, probes, span wait after the last answer, verification and stop,
 *   report and exit.
 * - by hand: the baseline, the path before issue 9: the chain started beforehand by the workflow
 *   (SDK defaults, 5 s batch delay), the action given `expect-services`. Only the action is timed.
 *
 *   PATH="$PWD/node_modules/.bin:$PATH" node --import tsx bench/services-verdict.ts
 *
 * Prints figures only; nothing here asserts a time.
 */
import { join } from 'node:path';
import { freePorts, startChain } from '../__tests__/target/harness';
import {
  bareEnv,
  fixed,
  heading,
  machine,
  median,
  print,
  ratio,
  REPO,
  runProcess,
  table,
} from './lib';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const DIST = join(process.env.BENCH_DIST ?? REPO, 'dist', 'index.js');
const FIXTURE = join(REPO, '__tests__', 'target', 'fixtures', 'otel-env-service.cjs');
const NAMES = ['service-a', 'service-b', 'service-c'];
const PHASES = ['receiver', 'services', 'probes', 'span-wait', 'stopped', 'exit'] as const;

function inputEnv(inputs: Record<string, string>): NodeJS.ProcessEnv {
  const env = bareEnv();
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}

/** One run with `services`: wall time and the action's phase marks. */
async function withServices(): Promise<{ wallMs: number; marks: Record<string, number> }> {
  const ports = await freePorts(3);
  const services = NAMES.map((name, index) => {
    const next = NAMES[index + 1];
    const nextUrl = next ? `NEXT_URL=http://127.0.0.1:${ports[index + 1]}/${next} ` : '';
    return `${name}: PORT=${ports[index]} ${nextUrl}exec ${JSON.stringify(process.execPath)} ${JSON.stringify(FIXTURE)}`;
  });
  const env = inputEnv({
    'target-url': `http://127.0.0.1:${ports[0]}/${NAMES[0]}`,
    services: services.join('\n'),
    'receiver-http-port': '0',
    'receiver-grpc-port': '0',
    settle: '300',
    timeout: '30',
  });
  env.PROPAGATION_CHECK_TIMINGS = '1';
  const run = await runProcess(process.execPath, [DIST], { env, timeoutMs: 60_000 });
  const line = /timings \(ms since start\): (.*)/.exec(run.stderr)?.[1] ?? '';
  const marks = Object.fromEntries(
    [...line.matchAll(/([\w-]+)=(\d+)/g)].map((match) => [match[1]!, Number(match[2])]),
  );
  if (run.code !== 0 || !/^PASS:/m.test(run.stdout)) {
    throw new Error(`services run failed (${run.code}): ${run.stdout.slice(-2000)}`);
  }
  return { wallMs: run.wallMs, marks };
}

/** One run of the baseline: the chain started beforehand, SDK defaults. Times the action only. */
async function byHand(): Promise<number> {
  const [httpPort, grpcPort] = await freePorts(2);
  const chain = await startChain(
    NAMES.map((name) => ({ name })),
    { httpPort: httpPort!, grpcPort: grpcPort! },
  );
  try {
    const env = inputEnv({
      'target-url': chain[0]!.url,
      'expect-services': NAMES.join(','),
      'receiver-http-port': String(httpPort),
      'receiver-grpc-port': String(grpcPort),
      settle: '300',
      timeout: '30',
    });
    const run = await runProcess(process.execPath, [DIST], { env, timeoutMs: 60_000 });
    if (run.code !== 0)
      throw new Error(`by-hand run failed (${run.code}): ${run.stdout.slice(-2000)}`);
    return run.wallMs;
  } finally {
    await Promise.all(chain.map((fixture) => fixture.stop()));
  }
}

async function main(): Promise<void> {
  heading('Target mode with services: time to verdict, three-service chain');
  print(`${RUNS} interleaved runs each; ${machine().join('; ')}`);
  await withServices(); // warm-up: page cache
  const started: { wallMs: number; marks: Record<string, number> }[] = [];
  const baseline: number[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    started.push(await withServices());
    baseline.push(await byHand());
  }
  const phase = (name: (typeof PHASES)[number], index: number): number[] =>
    started.map((run) => {
      const previous = index === 0 ? 0 : (run.marks[PHASES[index - 1]!] ?? Number.NaN);
      return (run.marks[name] ?? Number.NaN) - previous;
    });
  const labels: Record<(typeof PHASES)[number], string> = {
    receiver: 'node start-up, config, receiver',
    services: 'service start-up (until target-url answers)',
    probes: 'probes (until every answer is in)',
    'span-wait': 'span wait after the last answer',
    stopped: 'verification, services stopped (SIGTERM)',
    exit: 'report, outputs, exit',
  };
  print(
    table(
      ['Phase (services input)', 'median ms', 'min ms', 'max ms'],
      PHASES.map((name, index) => {
        const values = phase(name, index);
        return [
          labels[name],
          fixed(median(values), 0),
          fixed(Math.min(...values), 0),
          fixed(Math.max(...values), 0),
        ];
      }),
    ),
  );
  const servicesWall = median(started.map((run) => run.wallMs));
  const handWall = median(baseline);
  print(
    table(
      ['Run', 'median wall ms', 'ratio to by hand'],
      [
        [
          'services input (action starts the chain)',
          fixed(servicesWall, 0),
          ratio(servicesWall, handWall),
        ],
        ['by hand (chain started before, SDK defaults), action only', fixed(handWall, 0), '1.00x'],
      ],
    ),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
