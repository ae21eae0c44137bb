/**
 * The largest documented self-test run, `hops: 16, requests: 10000, concurrency: 256`, in process
 * (the project's own modules, as dist/index.js runs them), with no time bound of its own: on a
 * shared machine it can need more than the 600 s the `timeout` input allows. Prints the wall
 * time, the CPU time, the peak RSS and the verdict. Figures only; nothing is asserted.
 *
 *   node --import tsx bench/largest-run.ts [requests] [hops] [concurrency]
 */
import { performance } from 'node:perf_hooks';
import { parseConfig, type InputName } from '../src/config';
import { buildSelfTestResult } from '../src/report/self-test-result';
import { runCheck } from '../src/modes/self-test/run';
import { loadAverage, print } from './lib';

/** A bound all the same, so a hang ends: an hour. */
const BOUND_MS = 3_600_000;

async function main(): Promise<void> {
  const [requests = '10000', hops = '16', concurrency = '256'] = process.argv.slice(2);
  const inputs: Partial<Record<InputName, string>> = { requests, hops, concurrency };
  const config = { ...parseConfig((name) => inputs[name] ?? ''), timeoutMs: BOUND_MS };
  print(`largest run: hops ${hops}, requests ${requests}, concurrency ${concurrency}`);
  print(`load average at start: ${loadAverage()}`);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const outcome = await runCheck(config);
  const result = buildSelfTestResult(outcome);
  const wallS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  print(
    `RESULT largest: verdict ${result.verdict} (${result.requests.passed}/${result.requests.total} passed), wall ${wallS.toFixed(0)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s, peak RSS ${peakMiB.toFixed(0)} MiB, spans ${outcome.spans.length}`,
  );
  print(`load average at end: ${loadAverage()}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`largest-run: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
