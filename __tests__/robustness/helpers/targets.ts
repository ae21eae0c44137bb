import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';

/**
 * Tiny targets for target mode, built on node:http and node:net: they stand for a user's service
 * where a real OpenTelemetry SDK is not needed. Each listens on 127.0.0.1 and closes every socket
 * it holds on close().
 */
export interface TinyTarget {
  port: number;
  url: string;
  /** Requests (or connections, for the black hole) received so far. */
  hits(): number;
  close(): Promise<void>;
}

const IO_TIMEOUT_MS = 5_000;

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as net.AddressInfo).port;
}

/** Wraps a server so close() also ends every socket it accepted. */
async function tiny(server: net.Server, path = '/'): Promise<TinyTarget> {
  const sockets = new Set<net.Socket>();
  let hits = 0;
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', () => (hits += 1));
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}${path}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Whether a port can be bound on 127.0.0.1 right now: nothing listens on it. */
export async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

/** A port nothing listens on right now: connections to it are refused. */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts connections and never answers, never closes: a hung service. */
export async function blackHole(): Promise<TinyTarget> {
  let connections = 0;
  const server = net.createServer(() => (connections += 1));
  const target = await tiny(server);
  return { ...target, hits: () => connections };
}

/** Answers every request with `status` and a short body. */
export async function answering(status: number): Promise<TinyTarget> {
  return tiny(
    http.createServer((_request, response) => {
      response.statusCode = status;
      response.end(`status ${status}`);
    }),
  );
}

/** Sends a 200 status line, headers and part of the body, then resets the connection (RST). */
export async function resettingMidResponse(): Promise<TinyTarget> {
  return tiny(
    http.createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
      response.write('the first bytes of a body that never ends');
      setTimeout(() => request.socket.resetAndDestroy(), 20).unref();
    }),
  );
}

/**
 * Answers 200 and streams a body that never ends, as fast as the reader takes it, up to
 * `capBytes`; then it stalls (the body still never ends), so a reader that buffers everything is
 * held to `capBytes` of memory by this test rather than by the machine.
 */
export async function endlessBody(capBytes: number): Promise<TinyTarget & { sentBytes(): number }> {
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  let sent = 0;
  const target = await tiny(
    http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const pump = (): void => {
        while (sent < capBytes && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return;
        }
      };
      response.on('drain', pump);
      pump();
    }),
  );
  return { ...target, sentBytes: () => sent };
}

/**
 * A well-instrumented service in miniature: for each request it continues the incoming
 * traceparent with a server span, exports that span as OTLP/JSON to the receiver on
 * `receiverPort()` (before answering, so the span is there when the probe returns) and answers 200.
 * It needs no SDK and no batch delay, so a passing target-mode run takes well under a second.
 */
export async function instrumentedTarget(
  receiverPort: () => number,
  service = 'synthetic',
): Promise<TinyTarget> {
  return tiny(
    http.createServer((request, response) => {
      const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(
        String(request.headers.traceparent ?? ''),
      );
      const start = BigInt(Date.now()) * 1_000_000n;
      const answer = (status: number): void => {
        response.statusCode = status;
        response.end(status === 200 ? 'ok' : 'no traceparent');
      };
      request.resume();
      if (match === null) return answer(400);
      const span = {
        traceId: match[1],
        spanId: randomBytes(8).toString('hex'),
        parentSpanId: match[2],
        name: `${request.method} /`,
        kind: 2,
        flags: 0x300,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + 1_000_000n),
        attributes: [
          { key: 'http.request.method', value: { stringValue: request.method } },
          { key: 'url.path', value: { stringValue: request.url } },
        ],
      };
      const body = JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
            scopeSpans: [{ scope: { name: 'synthetic' }, spans: [span] }],
          },
        ],
      });
      post(receiverPort(), '/v1/traces', body).then(
        () => answer(200),
        () => answer(200),
      );
    }),
  );
}

/** POSTs a body to a local port; resolves with the status, rejects when nothing answers. */
export function post(
  port: number,
  path: string,
  body: string | Buffer,
  contentType = 'application/json',
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': contentType },
        signal: AbortSignal.timeout(IO_TIMEOUT_MS),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export interface ChildService {
  port: number;
  url: string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const CRASHING = join(import.meta.dirname, '..', 'fixtures', 'crashing-service.cjs');

/**
 * A user service in its own process that dies (exit code 1, no answer, sockets cut) on its first
 * request: a crash in the middle of the run.
 */
export async function startCrashingService(): Promise<ChildService> {
  const child = spawn(process.execPath, [CRASHING], {
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the crashing service did not listen in time: ${output}`));
    }, 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the crashing service exited early (${code}): ${output}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}/crasher`,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
