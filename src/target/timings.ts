/**
 * Phase marks for the benchmark (bench/services-verdict.ts): with PROPAGATION_CHECK_TIMINGS=1 the
 * action prints, as it exits, one line of milliseconds since its process started at the end of
 * each phase. Without the variable it records nothing.
 */

const marks: [string, number][] = [];
const enabled = process.env.PROPAGATION_CHECK_TIMINGS === '1';

/** Records that the phase `name` ended now. */
export function markPhase(name: string): void {
  if (!enabled) return;
  if (marks.length === 0) process.once('exit', printMarks);
  marks.push([name, performance.now()]);
}

function printMarks(): void {
  marks.push(['exit', performance.now()]);
  const fields = marks.map(([name, at]) => `${name}=${Math.round(at)}`);
  process.stderr.write(`propagation-check timings (ms since start): ${fields.join(' ')}\n`);
}
