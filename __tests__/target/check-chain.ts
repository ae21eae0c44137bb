import assert from 'node:assert/strict';
import { after } from 'node:test';
import { runDist, type DistRun, type RunOptions } from '../helpers/run-dist';
import {
  freePorts,
  startChain,
  type Fixture,
  type FixtureOptions,
  type Receiving,
} from './harness';

/** Target-mode end-to-end runs: the user's services in their own processes, then dist/. */

export interface TargetResult {
  verdict: string;
  failed_checks: string[];
  diagnoses: string[];
  services_seen: string[];
  edges: { from: string; to: string; call: string; broken: boolean; external?: boolean }[];
  wait: { outcome: string; note: string | null };
  checks: { check: string; observed: string; passed: boolean; probes_failed: number }[];
  probes: { total: number; failed: number; failures: { probe: number; diagnoses: string[] }[] };
  spans: { service: string; kind: string; trace_id: string }[];
}

export const running: { stop(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

export const ABC = ['service-a', 'service-b', 'service-c'];

/**
 * Starts the user's services (separate processes, real exporters, batch processors at their
 * defaults), then runs dist/index.js in target mode against the first, with the runner contract.
 */
export async function checkChain(
  services: FixtureOptions[],
  inputs: Record<string, string> = {},
  between?: (index: number, next: Fixture) => Promise<string>,
  options: Partial<RunOptions> = {},
  during?: During,
): Promise<{ run: DistRun; result: TargetResult; chain: Fixture[] }> {
  return checkStarted(
    (receiving) => startChain(services, receiving, between),
    { 'expect-services': services.map((s) => s.name).join(','), ...inputs },
    options,
    during,
  );
}

/** Runs alongside the action until `done()`; `receiving` says where its receiver listens. */
type During = (chain: Fixture[], done: () => boolean, receiving: Receiving) => Promise<void>;

/**
 * Starts services in any shape (the first one is the entry), then runs dist/ against the entry;
 * `during` runs alongside the action (unrelated traffic) until it ends.
 */
export async function checkStarted(
  start: (receiving: Receiving) => Promise<Fixture[]>,
  inputs: Record<string, string> = {},
  options: Partial<RunOptions> = {},
  during?: During,
): Promise<{ run: DistRun; result: TargetResult; chain: Fixture[] }> {
  const [httpPort, grpcPort] = await freePorts(2);
  const receiving = { httpPort: httpPort!, grpcPort: grpcPort! };
  const chain = await start(receiving);
  running.push(...chain);
  let finished = false;
  const [run] = await Promise.all([
    runDist({
      ...options,
      inputs: {
        'target-url': chain[0]!.url,
        'receiver-http-port': String(httpPort),
        'receiver-grpc-port': String(grpcPort),
        // Every run also waits for the entry service to answer first, as a workflow would.
        'wait-for': chain[0]!.url,
        settle: '300',
        // The fixtures export every 100 ms: an answer missing after 1.5 s is not coming.
        'export-delay': '1500',
        timeout: '20',
        ...inputs,
      },
    }).finally(() => (finished = true)),
    during?.(chain, () => finished, receiving),
  ]);
  assert.equal(run.signal, null, 'the action ended by itself');
  assert.doesNotMatch(run.stderr, /handle stayed open/);
  const result = JSON.parse(run.outputs.result ?? 'null') as TargetResult;
  return { run, result, chain };
}

export function names(options: Partial<FixtureOptions>[]): FixtureOptions[] {
  return options.map((o, index) => ({ name: ABC[index]!, ...o }));
}

export /** A failed check whose diagnosis names the edge, as a user reads it. */
function assertDiagnosed(run: DistRun, result: TargetResult, edge: RegExp): void {
  assert.equal(run.code, 1, run.stdout.slice(0, 4000));
  assert.equal(result.verdict, 'fail', JSON.stringify(result).slice(0, 2000));
  const diagnosis = result.diagnoses.find((d) => edge.test(d));
  assert.ok(diagnosis, `${edge} in:\n${result.diagnoses.join('\n')}`);
  // One annotation per broken edge, titled with it: one of them carries the diagnosis.
  const annotations = run.stdout.split('\n').filter((line) => line.startsWith('::error'));
  assert.ok(
    annotations.some((line) => line.includes(diagnosis)),
    annotations.join('\n'),
  );
}
