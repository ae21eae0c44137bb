import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'service.cjs');
/** A guard against a service that never listens; a loaded machine starts a traced one slowly. */
const START_TIMEOUT_MS = 60_000;

export interface FixtureOptions {
  name: string;
  exporter?: 'proto' | 'json' | 'grpc' | 'none';
  propagation?: 'on' | 'off' | 'no-extract';
  client?: 'http' | 'fetch' | 'leak';
  /** The URL this service calls. */
  next?: string;
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
  const child = spawn(process.execPath, [FIXTURE], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SERVICE_NAME: options.name,
      EXPORTER: exporter,
      PROPAGATION: options.propagation ?? 'on',
      CLIENT: options.client ?? 'http',
      NEXT_URL: options.next ?? '',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${endpointPort}`,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await listeningPort(child, options.name);
  return {
    name: options.name,
    port,
    url: `http://127.0.0.1:${port}/${options.name}`,
    stop: () => stopChild(child),
  };
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
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!ports.includes(port) && (await isFree(port))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`found only ${ports.length} free ports`);
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
