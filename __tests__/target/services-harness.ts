import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { runDist, type DistRun, type RunOptions } from '../helpers/run-dist';

/**
 * Runs dist/index.js in target mode with `services`: the action starts the fixtures itself, with
 * the OTEL_* variables it sets (the tests set none). Every command carries a tag, so a test can
 * prove afterwards that no process of its chain is left.
 */

export const FIXTURES = join(import.meta.dirname, 'fixtures');
const NODE = JSON.stringify(process.execPath);

export interface ChainService {
  name: string;
  port: number;
  /** The next service's name and port, if it calls one. */
  next?: { name: string; port: number };
  /** Extra variables for the command line (CLIENT=fetch, IGNORE_SIGTERM=1). */
  vars?: string;
}

/** A unique mark on every process of one test, found later in /proc. */
export function newTag(): string {
  return `chain-${randomUUID()}`;
}

/** The `services` line that starts a fixture service listening on `port`. */
export function serviceLine(service: ChainService, tag: string): string {
  const next = service.next
    ? `NEXT_URL=http://127.0.0.1:${service.next.port}/${service.next.name} `
    : '';
  const vars = service.vars ? `${service.vars} ` : '';
  return `${service.name}: PORT=${service.port} ${next}${vars}exec ${NODE} otel-env-service.cjs --tag=${tag}`;
}

/** A chain a -> b -> c ... on the given ports, each calling the next. */
export function chain(names: string[], ports: number[]): ChainService[] {
  return names.map((name, index) => ({
    name,
    port: ports[index]!,
    next:
      index + 1 < names.length ? { name: names[index + 1]!, port: ports[index + 1]! } : undefined,
  }));
}

/** Inputs for a target-mode run with `services` and a receiver on free ports. */
export function serviceInputs(
  services: ChainService[],
  tag: string,
  inputs: Record<string, string> = {},
): Record<string, string> {
  const entry = services[0]!;
  return {
    'target-url': `http://127.0.0.1:${entry.port}/${entry.name}`,
    services: services.map((service) => serviceLine(service, tag)).join('\n'),
    'working-directory': FIXTURES,
    'receiver-http-port': '0',
    'receiver-grpc-port': '0',
    settle: '300',
    timeout: '20',
    ...inputs,
  };
}

export async function runServices(
  inputs: Record<string, string>,
  options: Partial<RunOptions> = {},
): Promise<DistRun> {
  const run = await runDist({ ...options, inputs });
  assert.equal(run.signal, null, 'the action ended by itself');
  return run;
}

/** Process group ids the action printed (`service a (pid 123)`: a service's pid is its pgid). */
export function printedGroups(stdout: string): Map<string, number> {
  const groups = new Map<string, number>();
  for (const match of stdout.matchAll(/service (\S+) \(pid (\d+)\)/g)) {
    groups.set(match[1]!, Number(match[2]));
  }
  return groups;
}

/** Asserts nothing of the chain remains: no tagged process, no group, no listener on its ports. */
export async function assertNothingLeft(
  tag: string,
  ports: number[],
  groups: Iterable<number>,
): Promise<void> {
  assert.deepEqual(taggedProcesses(tag), [], 'no process of the chain is left');
  for (const pgid of groups) {
    assert.throws(() => process.kill(-pgid, 0), { code: 'ESRCH' }, `process group ${pgid} is gone`);
  }
  for (const port of ports) assert.equal(await listening(port), false, `port ${port} is free`);
}

/** Pids of live processes whose command line holds `tag` (zombies have none). */
export function taggedProcesses(tag: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(tag)) found.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Polls until `ready` holds, at most `withinMs`. */
export async function eventually(
  ready: () => Promise<boolean>,
  withinMs: number,
): Promise<boolean> {
  const stopAt = Date.now() + withinMs;
  while (Date.now() < stopAt) {
    if (await ready()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
