import assert from 'node:assert/strict';
import { runDist, type DistRun } from '../../helpers/run-dist';

export type { DistRun };

/** A line of a stack trace, as Node prints it. */
export const STACK_LINE = /^\s+at /m;

/** The `::error::` annotations of a run, in order. */
export function errorAnnotations(run: DistRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
}

/** Text that must never reach stderr: the exit guard firing, or an unhandled rejection. */
export function assertQuietStderr(run: DistRun): void {
  assert.doesNotMatch(run.stderr, /handle stayed open/, run.stderr);
  assert.doesNotMatch(run.stderr, /unhandled/i, run.stderr);
}

/**
 * How long a run may take before it is SIGKILLed: a guard against hanging, not a speed budget.
 * It is far past any run's own `timeout`, so a slow run on a loaded machine still gives its
 * verdict, and only a run that would never end is killed (and then fails `assertEndedByItself`).
 */
export const HANG_GUARD_MS = 120_000;

/**
 * Runs dist/index.js with the runner contract and the hang guard: past it the process is
 * SIGKILLed, so a hang shows up as `signal: 'SIGKILL'` (a failed assertion), never as a stuck test.
 */
export async function runGuarded(inputs: Record<string, string>): Promise<DistRun> {
  return runDist({ inputs, killAfterMs: HANG_GUARD_MS });
}

/**
 * The process ended by itself (the hang guard did not kill it), with no stack trace and nothing
 * stray on stderr. How long it took is not judged: load makes that a coin toss.
 */
export function assertEndedByItself(run: DistRun): void {
  const context = `${run.stdout.slice(0, 3000)}\n--- stderr ---\n${run.stderr.slice(0, 3000)}`;
  assert.equal(run.signal, null, `killed by the hang guard after ${run.elapsedMs} ms: ${context}`);
  assert.doesNotMatch(run.stdout + run.stderr, STACK_LINE, `no stack trace: ${context}`);
  assertQuietStderr(run);
}

/**
 * The run could not give a verdict: exit 1, exactly one annotation, the `error` verdict output
 * and a result whose `error` is the annotation's text. Returns the annotation's message.
 */
export function assertErrorVerdict(run: DistRun): string {
  assert.equal(run.code, 1, `${run.stdout.slice(0, 3000)}\n${run.stderr.slice(0, 2000)}`);
  const errors = errorAnnotations(run);
  assert.equal(errors.length, 1, `one ::error:: line, got:\n${errors.join('\n')}`);
  const message = errors[0]!.slice('::error::'.length);
  assert.equal(run.outputs.verdict, 'error', JSON.stringify(run.outputs));
  const result = JSON.parse(run.outputs.result ?? '{}') as { verdict?: string; error?: string };
  assert.equal(result.verdict, 'error');
  // The annotation is the message with the runner's command escaping (%, CR, LF) applied.
  assert.equal(escapeCommandData(result.error ?? ''), message);
  return message;
}

/**
 * A refused input, as the runner shows it: the run ended by itself with the error verdict and one
 * short `::error::` line naming one of `names`, and wrote only the short summary of a run without
 * a verdict, with no request answered (nothing ran). Returns the line.
 */
export function assertInputRefused(run: DistRun, names: readonly string[]): string {
  assertEndedByItself(run);
  const message = assertErrorVerdict(run);
  assert.ok(
    names.some((input) => message.startsWith(`Input '${input}'`)),
    `the line names ${names.join(' or ')}: ${message}`,
  );
  assert.ok(message.length < 400, `one short line, got ${message.length} chars`);
  assert.match(run.summary, /No verdict/, 'the short summary says why there is no verdict');
  assert.doesNotMatch(run.summary, /[1-9]\d* of \d+ requests answered/, 'nothing ran');
  return message;
}

/** @actions/core's escaping of `::error::` data. */
function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The target-mode JSON result, as far as these tests read it. */
export interface TargetResult {
  verdict: string;
  failed_checks: string[];
  diagnoses: string[];
  services_seen: string[];
  wait: { outcome: string; note: string | null };
  target: { url: string; method: string };
  receiver: { http: string; grpc: string | null };
  probes: { failures: { status: number | null; error: string | null }[] };
  spans: { service: string; kind: string; trace_id: string }[];
}

/** A run that gave a verdict: the verdict output, the JSON result and the one annotation. */
export function verdictOf(run: DistRun): { verdict: string; result: TargetResult; error: string } {
  const errors = errorAnnotations(run);
  assert.ok(errors.length <= 1, `at most one ::error:: line, got:\n${errors.join('\n')}`);
  // A broken propagation is annotated once per broken edge, each titled with its edge.
  const titled = run.stdout.split('\n').filter((line) => line.startsWith('::error title='));
  const titles = titled.map((line) => line.slice(0, line.indexOf('::', 2)));
  assert.equal(
    new Set(titles).size,
    titles.length,
    `one annotation per edge:\n${titled.join('\n')}`,
  );
  return {
    verdict: run.outputs.verdict ?? '(none)',
    result: JSON.parse(run.outputs.result ?? '{}') as TargetResult,
    error: [...errors, ...titled].map((line) => line.slice(line.indexOf('::', 2) + 2)).join('\n'),
  };
}
