/**
 * Instrumentation under load: 2,000 requests at concurrency 50 through a 3-service chain, traced
 * (startTracing + startChain + sendProbes) against untraced (the same without startTracing), each
 * in its own child process (bench/load-worker.ts), alternating untraced, stock, traced, untraced,
 * ... Medians are quoted, so machine noise hits all alike. Prints figures only.
 *
 *   node --import tsx bench/load.ts     (part of `npm run bench`)
 *
 * `stock` is the same chain traced by the stock upstream setup (bench/stock-tracing.ts: default
 * HTTP and Koa instrumentations, W3C propagator, spans dropped): the floor any traced service
 * pays. ours / stock is the cost that is ours; stock / untraced is the instrumentations' own.
 * `LOAD_STOCK=0`: leave the stock worker out. `LOAD_CLIENT=http|fetch`: the services call the next
 * one with that client instead of got (the default).
 *
 * `LOAD_BEFORE=<folder>`: a checkout of another revision (with node_modules) whose own
 * bench/load-worker.ts runs traced as a third worker in every round (untraced, traced before,
 * traced), so a change to the traced path is measured against its parent in the same run.
 * `LOAD_PAIRS=<n>`: rounds (default 5).
 */
import { join } from 'node:path';
import {
  bareEnv,
  fixed,
  heading,
  LOAD,
  loadAverage,
  machine,
  median,
  print,
  ratio,
  REPO,
  runProcess,
  table,
  type LoadResult,
} from './lib';

/** Interleaved pairs (the issue asks for at least 5). */
const PAIRS = Number(process.env.LOAD_PAIRS ?? '') || 5;
/** Another checkout whose traced worker runs beside ours in every round, when given. */
const BEFORE = process.env.LOAD_BEFORE || undefined;
/** The stock upstream setup as a worker in every round, unless turned off. */
const STOCK = process.env.LOAD_STOCK !== '0';
/** Bound on one worker: a traced batch takes a few seconds on 2 cores. */
const WORKER_TIMEOUT_MS = 120_000;

type Mode = LoadResult['mode'] | 'before';

async function worker(mode: Mode, problems: string[]): Promise<LoadResult | undefined> {
  const repo = mode === 'before' ? BEFORE! : REPO;
  const run = await runProcess(
    process.execPath,
    ['--import', 'tsx', join(repo, 'bench', 'load-worker.ts'), mode === 'before' ? 'traced' : mode],
    { cwd: repo, env: bareEnv(), timeoutMs: WORKER_TIMEOUT_MS },
  );
  const line = run.stdout.split('\n').find((text) => text.startsWith('RESULT '));
  if (run.code !== 0 || line === undefined) {
    problems.push(
      `${mode}: exit ${run.code ?? run.signal}${run.timedOut ? ' (timed out)' : ''}: ${run.stderr.trim().split('\n').slice(0, 3).join(' ')}`,
    );
    return undefined;
  }
  return JSON.parse(line.slice('RESULT '.length)) as LoadResult;
}

async function main(): Promise<void> {
  heading(
    `Instrumentation under load: ${LOAD.requests} requests at concurrency ${LOAD.concurrency}, ${LOAD.hops} services, traced vs untraced`,
  );
  for (const line of machine()) print(`- ${line}`);
  const modes: Mode[] = [
    'untraced',
    ...(STOCK ? (['stock'] as const) : []),
    ...(BEFORE ? (['before'] as const) : []),
    'traced',
  ];
  print(
    `- each worker: its own process (node --import tsx), ${LOAD.warmup} warm-up requests, then ${LOAD.requests} measured; ${PAIRS} rounds of ${modes.join(', ')}`,
  );
  if (STOCK) {
    print(
      `- stock: the same chain traced by the stock upstream setup (bench/stock-tracing.ts: NodeTracerProvider, W3C propagator, default HttpInstrumentation and KoaInstrumentation, every span dropped${process.env.LOAD_STOCK_DEFAULT === '1' ? ', the probes traced too' : ', the probes skipped as ours skips them'})`,
    );
  }
  if (process.env.LOAD_CLIENT) print(`- client: ${process.env.LOAD_CLIENT} (LOAD_CLIENT)`);
  const problems: string[] = [];
  const results: Results = { untraced: [], stock: [], before: [], traced: [] };
  if (BEFORE) print(`- traced (before): bench/load-worker.ts of ${BEFORE}`);
  for (let pair = 0; pair < PAIRS; pair += 1) {
    for (const mode of modes) {
      const result = await worker(mode, problems);
      if (result) results[mode].push(result);
      process.stdout.write(
        result
          ? `  ${mode.padEnd(8)} ${fixed(result.throughput, 0)} req/s, p99 ${fixed(result.p99)} ms, CPU ${fixed(result.cpuMsPerRequest, 2)} ms/request, load ${loadAverage()}\n`
          : `  ${mode.padEnd(8)} failed\n`,
      );
    }
  }
  const { throughputRatio, p99Ratio } = printLoad(results);
  const stock = STOCK ? printStock(results) : undefined;
  if (BEFORE) printBefore(results);
  const verifyMs = printVerification(results);
  print(
    `\nRESULT load: throughput ${fixed(throughputRatio, 2)}x of untraced, p99 latency ${fixed(p99Ratio, 2)}x, verification of ${LOAD.requests} traces ${fixed(verifyMs)} ms`,
  );
  if (stock) {
    print(
      `RESULT load against stock: throughput ours/stock ${fixed(stock.oursThroughput, 2)}x, stock/untraced ${fixed(stock.stockThroughput, 2)}x; CPU per request ours/stock ${fixed(stock.oursCpu, 2)}x, stock/untraced ${fixed(stock.stockCpu, 2)}x (medians of per-round ratios)`,
    );
  }
  print(`\nload average at end: ${loadAverage()}`);
  heading('Problems');
  print(
    problems.length
      ? problems.map((line) => `- ${line}`).join('\n')
      : 'none: every worker finished',
  );
}

type Results = Record<Mode, LoadResult[]>;

function medianOf(results: Results, mode: Mode, pick: (result: LoadResult) => number): number {
  return median(results[mode].map(pick));
}

/** The traced and untraced runs side by side; returns the median per-pair ratios. */
function printLoad(results: Results): { throughputRatio: number; p99Ratio: number } {
  const med = (mode: Mode, pick: (result: LoadResult) => number): number =>
    medianOf(results, mode, pick);
  const row = (label: string, pick: (result: LoadResult) => number, digits = 1): string[] => {
    const untraced = med('untraced', pick);
    const traced = med('traced', pick);
    const cells = [label, fixed(untraced, digits), fixed(traced, digits), ratio(traced, untraced)];
    if (STOCK) {
      const stock = med('stock', pick);
      cells.push(fixed(stock, digits), ratio(stock, untraced), ratio(traced, stock));
    }
    if (!BEFORE) return cells;
    const before = med('before', pick);
    return [...cells, fixed(before, digits), ratio(before, untraced)];
  };
  print();
  print(
    table(
      [
        `median of ${PAIRS} runs each`,
        'untraced',
        'traced',
        'traced / untraced',
        ...(STOCK ? ['stock', 'stock / untraced', 'traced / stock'] : []),
        ...(BEFORE ? ['traced (before)', 'before / untraced'] : []),
      ],
      [
        row('throughput (requests/s)', (r) => r.throughput, 0),
        row('batch wall time (ms)', (r) => r.wallMs, 0),
        row('latency p50 (ms)', (r) => r.p50),
        row('latency p99 (ms)', (r) => r.p99),
        row('latency max (ms)', (r) => r.max),
        row('CPU per request (ms, whole process)', (r) => r.cpuMsPerRequest, 2),
        row('peak RSS of the worker (MiB)', (r) => r.maxRssMiB, 0),
      ],
    ),
  );
  // Per-pair ratios, each pair run back to back.
  const pairs = results.traced
    .map((traced, index) => ({ traced, untraced: results.untraced[index] }))
    .filter(
      (pair): pair is { traced: LoadResult; untraced: LoadResult } => pair.untraced !== undefined,
    );
  const throughputRatio = median(pairs.map((p) => p.traced.throughput / p.untraced.throughput));
  const p99Ratio = median(pairs.map((p) => p.traced.p99 / p.untraced.p99));
  const cpuRatio = median(pairs.map((p) => p.traced.cpuMsPerRequest / p.untraced.cpuMsPerRequest));
  print(
    `\nmedian of per-pair ratios: throughput ${fixed(throughputRatio, 2)}x, p99 latency ${fixed(p99Ratio, 2)}x, CPU per request ${fixed(cpuRatio, 2)}x`,
  );
  return { throughputRatio, p99Ratio };
}

/** Ours against the stock setup and the stock setup against untraced, round by round. */
function printStock(results: Results): {
  oursThroughput: number;
  stockThroughput: number;
  oursCpu: number;
  stockCpu: number;
} {
  const rounds = results.untraced.flatMap((untraced, index) => {
    const stock = results.stock[index];
    const traced = results.traced[index];
    return stock && traced ? [{ untraced, stock, traced }] : [];
  });
  const perRound = (
    pick: (r: LoadResult) => number,
    over: 'stock' | 'traced',
    under: 'untraced' | 'stock',
  ): number => median(rounds.map((r) => pick(r[over]) / pick(r[under])));
  const figures = {
    oursThroughput: perRound((r) => r.throughput, 'traced', 'stock'),
    stockThroughput: perRound((r) => r.throughput, 'stock', 'untraced'),
    oursCpu: perRound((r) => r.cpuMsPerRequest, 'traced', 'stock'),
    stockCpu: perRound((r) => r.cpuMsPerRequest, 'stock', 'untraced'),
  };
  print(
    `median of per-round ratios (${rounds.length} rounds): throughput ours/stock ${fixed(figures.oursThroughput, 2)}x, stock/untraced ${fixed(figures.stockThroughput, 2)}x; CPU per request ours/stock ${fixed(figures.oursCpu, 2)}x, stock/untraced ${fixed(figures.stockCpu, 2)}x; spans per request in the stock worker ${fixed(median(results.stock.map((r) => r.spansPerRequest ?? Number.NaN)))}`,
  );
  return figures;
}

/** With LOAD_BEFORE: the other checkout's traced worker against ours, round by round. */
function printBefore(results: Results): void {
  // Rounds in which all three workers finished, each ratio against that round's untraced.
  const rounds = results.untraced.flatMap((untraced, index) => {
    const before = results.before[index];
    const traced = results.traced[index];
    return before && traced ? [{ untraced, before, traced }] : [];
  });
  const perRound = (pick: (r: LoadResult) => number, side: 'before' | 'traced'): string =>
    fixed(median(rounds.map((r) => pick(r[side]) / pick(r.untraced))), 2);
  print(
    `median of per-round ratios, before: throughput ${perRound((r) => r.throughput, 'before')}x, CPU per request ${perRound((r) => r.cpuMsPerRequest, 'before')}x; after: throughput ${perRound((r) => r.throughput, 'traced')}x, CPU per request ${perRound((r) => r.cpuMsPerRequest, 'traced')}x (${rounds.length} rounds)`,
  );
}

/** The in-process verification figures of the traced workers; returns the median time. */
function printVerification(results: Results): number {
  const med = (mode: Mode, pick: (result: LoadResult) => number): number =>
    medianOf(results, mode, pick);

  const verifyMedians = results.traced.map((r) => median(r.verifyMs ?? []));
  const allVerify = results.traced.flatMap((r) => r.verifyMs ?? []);
  print(
    `\nVerification of the ${LOAD.requests} traces (verifyPropagation, in-process, performance.now, ${LOAD.verifyRuns} runs per traced worker):\n`,
  );
  print(
    table(
      ['figure', 'value'],
      [
        [
          'spans verified per run (median)',
          fixed(
            med('traced', (r) => r.spans ?? Number.NaN),
            0,
          ),
        ],
        ['verdict', [...new Set(results.traced.map((r) => r.verdict ?? '?'))].join(', ')],
        ['verifyPropagation, median of the workers’ medians (ms)', fixed(median(verifyMedians))],
        [
          'verifyPropagation, fastest / slowest run (ms)',
          `${fixed(Math.min(...allVerify))} / ${fixed(Math.max(...allVerify))}`,
        ],
        [
          'collecting spans: tracing.spans() (ms, median)',
          fixed(med('traced', (r) => r.collectMs ?? Number.NaN)),
        ],
        [
          'wait for all server spans after the last answer (ms, median)',
          fixed(med('traced', (r) => r.spanWaitMs ?? Number.NaN)),
        ],
      ],
    ),
  );
  return median(verifyMedians);
}

main().catch((error: unknown) => {
  process.stderr.write(`load: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
