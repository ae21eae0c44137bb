import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'service.cjs');
const PROXY = join(import.meta.dirname, 'fixtures', 'proxy.cjs');
/** Fixtures export every 100 ms, so tests can judge with a short `export-delay`. */
export const FIXTURE_SCHEDULE_DELAY_MS = 100;
/** A guard against a service that never listens; a loaded machine starts a traced one slowly. */
const START_TIMEOUT_MS = 60_000;

export interface FixtureOptions {
  name: string;
  exporter?: 'proto' | 'json' | 'grpc' | 'none';
  propagation?: 'on' | 'off' | 'no-extract';
  client?: 'http' | 'fetch' | 'leak';
  /** The URLs this service calls, in parallel (comma list). */
  next?: string;
  /** A URL called after the answer, fire-and-forget, with the request's context kept or lost. */
  after?: { url: string; context: 'kept' | 'lost' };
  /** Held before the calls, so the request stays in flight. */
  delayMs?: number;
  /** Added to every exported timestamp: a clock ahead of the others. */
  skewMs?: number;
  /** Appended to OTEL_EXPORTER_OTLP_ENDPOINT (e.g. `/v1/traces`, which the exporter repeats). */
  endpointSuffix?: string;
  /** The batch processor's schedule delay; FIXTURE_SCHEDULE_DELAY_MS by default. */
  scheduleDelayMs?: number;
  /** More environment for the service (SPAN_NAME, EXTRA_SPANS, OTEL_BSP_* ...). */
  env?: Record<string, string>;
}

export interface Receiving {
  httpPort: number;
  grpcPort: number;
}

export interface Fixture {
  name: string;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Starts one user service in its own process and waits, bounded, until it listens. */
export async function startFixture(
  options: FixtureOptions,
  receiving: Receiving,
): Promise<Fixture> {
  const exporter = options.exporter ?? 'proto';
  const endpointPort = exporter === 'grpc' ? receiving.grpcPort : receiving.httpPort;
  const env = {
    SERVICE_NAME: options.name,
    EXPORTER: exporter,
    PROPAGATION: options.propagation ?? 'on',
    CLIENT: options.client ?? 'http',
    NEXT_URL: options.next ?? '',
    AFTER_URL: options.after?.url ?? '',
    AFTER_CONTEXT: options.after?.context ?? '',
    DELAY_MS: String(options.delayMs ?? 0),
    SKEW_MS: String(options.skewMs ?? 0),
    OTEL_BSP_SCHEDULE_DELAY: String(options.scheduleDelayMs ?? FIXTURE_SCHEDULE_DELAY_MS),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${endpointPort}${options.endpointSuffix ?? ''}`,
    ...options.env,
  };
  const { port, stop } = await spawnListening(FIXTURE, env, options.name);
  return { name: options.name, port, url: `http://127.0.0.1:${port}/${options.name}`, stop };
}

/**
 * Starts a proxy process in front of 127.0.0.1:`targetPort` that rewrites the traceparent it
 * forwards: with a trace of its own (`new-trace`), or with the sampled flag cleared (`unsample`).
 */
export async function startProxy(
  mode: 'new-trace' | 'unsample',
  targetPort: number,
): Promise<{ port: number; stop(): Promise<void> }> {
  return spawnListening(PROXY, { MODE: mode, TARGET_PORT: String(targetPort) }, `${mode} proxy`);
}

async function spawnListening(
  script: string,
  env: Record<string, string>,
  name: string,
): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await listeningPort(child, name);
  return { port, stop: () => stopChild(child) };
}

/** Starts a chain, last service first, so each knows the URL of the next. */
export async function startChain(
  services: FixtureOptions[],
  receiving: Receiving,
  between: (index: number, next: Fixture) => Promise<string> = async (_, next) => next.url,
): Promise<Fixture[]> {
  const started: Fixture[] = [];
  try {
    let next: Fixture | undefined;
    for (let index = services.length - 1; index >= 0; index -= 1) {
      const nextUrl = next ? await between(index, next) : undefined;
      const fixture = await startFixture({ ...services[index]!, next: nextUrl }, receiving);
      started.unshift(fixture);
      next = fixture;
    }
    return started;
  } catch (error) {
    await Promise.all(started.map((f) => f.stop()));
    throw error;
  }
}

function listeningPort(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not listen within ${START_TIMEOUT_MS} ms: ${output}`));
    }, START_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${output}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Ports free right now on 127.0.0.1, for the receiver the action will start. Taken below the
 * kernel's ephemeral range (32768 and up here), so the services started meanwhile on port 0
 * cannot be handed one of them before the action binds it.
 *
 * A port is free when picked and bound only later (by a receiver in a child process), and test
 * files run side by side in processes of their own: each port handed out is claimed by creating
 * a file named after it in a shared folder (an exclusive create, atomic across processes), so two
 * test processes are never given the same port (drawing from slices per process id, they once
 * were, and a receiver failed with "port in use"). Claims older than CLAIM_TTL_MS are stale.
 */
const CLAIMS = join(tmpdir(), `propagation-check-test-ports-${process.getuid?.() ?? 0}`);
const CLAIM_TTL_MS = 15 * 60_000;
const RANGE_START = 10_000;
const RANGE = 32_768 - RANGE_START;

export async function freePorts(count: number): Promise<number[]> {
  mkdirSync(CLAIMS, { recursive: true });
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 200; attempt += 1) {
    const port = RANGE_START + Math.floor(Math.random() * RANGE);
    if (!claim(port) || !(await isFree(port))) continue;
    ports.push(port);
  }
  if (ports.length < count) throw new Error(`found only ${ports.length} free ports`);
  return ports;
}

/** Claims a port for this test run; false when another test process holds a fresh claim. */
function claim(port: number): boolean {
  const file = join(CLAIMS, String(port));
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch {
    try {
      if (Date.now() - statSync(file).mtimeMs < CLAIM_TTL_MS) return false;
      rmSync(file, { force: true });
      closeSync(openSync(file, 'wx'));
      return true;
    } catch {
      return false;
    }
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
