// The sender process of the receiver benchmark: posts pre-built OTLP batches to a receiver over
// loopback, `CONCURRENCY` at a time, and prints the elapsed milliseconds (and the epoch times of
// its first send and last answer) as JSON on stdout.
// Usage: node --import tsx bench/ingest-sender.ts <transport> <port> <batches | body file>
//   transport: http-proto | http-json | grpc, optionally with -gzip (the bodies are compressed
//   before the clock starts) and/or `-varied` before it (attributes that differ from span to
//   span, see otlp-payloads); `file-proto` / `file-json` post one body read from a file.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { EXPORT_METHOD_PATH } from '../src/receiver/otlp-schema';
import { jsonRequest, protobufRequest } from './otlp-payloads';

const [transportArg = 'http-proto', portText = '4318', batchesText = '100'] = process.argv.slice(2);
const port = Number(portText);
const gzip = transportArg.endsWith('-gzip');
const varied = /-varied(-gzip)?$/.test(transportArg);
const transport = transportArg.replace(/-gzip$/, '').replace(/-varied$/, '');
const isJson = transport === 'http-json' || transport === 'file-json';
const CONCURRENCY = 4;

function buildBodies(): Uint8Array[] {
  if (transport.startsWith('file-')) return [readFileSync(batchesText)];
  const requests = Array.from({ length: Number(batchesText) }, (_, batch) =>
    jsonRequest(batch, varied),
  );
  return requests.map((request) =>
    isJson ? Buffer.from(JSON.stringify(request)) : protobufRequest(request),
  );
}
// gRPC compresses each message itself when the channel asks for gzip.
const bodies = buildBodies().map((body) => (gzip && transport !== 'grpc' ? gzipSync(body) : body));

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const headers: Record<string, string> = {
  'content-type': isJson ? 'application/json' : 'application/x-protobuf',
  ...(gzip ? { 'content-encoding': 'gzip' } : {}),
};

function postHttp(body: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      },
    );
    request.setTimeout(60_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

const client =
  transport === 'grpc'
    ? new grpc.Client(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
        gzip ? { 'grpc.default_compression_algorithm': 2 } : {},
      )
    : undefined;
function postGrpc(body: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    client!.makeUnaryRequest(
      EXPORT_METHOD_PATH,
      (bytes: Uint8Array) => Buffer.from(bytes),
      (bytes: Buffer) => bytes,
      body,
      { deadline: Date.now() + 60_000 },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

/**
 * With SENDER_WAIT_FOR_GO=1: prints `ready` once the bodies are built and waits for a line on
 * stdin before the first send, so the receiving process can start its CPU clock then, rather
 * than at spawning this process (see bench/receiver.ts).
 */
async function waitForGo(): Promise<void> {
  if (process.env['SENDER_WAIT_FOR_GO'] !== '1') return;
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    process.stdin.once('data', () => {
      process.stdin.pause();
      resolve();
    });
  });
}

async function main(): Promise<void> {
  await waitForGo();
  const send = transport === 'grpc' ? postGrpc : postHttp;
  let next = 0;
  const started = performance.now();
  const startedAtEpochMs = performance.timeOrigin + started;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) await send(bodies[next++]!);
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  client?.close();
  // The epoch times let the receiving process measure to its own last decoded span.
  const endedAtEpochMs = startedAtEpochMs + elapsedMs;
  process.stdout.write(`${JSON.stringify({ elapsedMs, startedAtEpochMs, endedAtEpochMs })}\n`);
}

void main();
