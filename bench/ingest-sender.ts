// The sender process of the receiver benchmark: posts pre-built OTLP batches to the receiver over
// loopback, `CONCURRENCY` at a time, and prints the elapsed milliseconds as JSON on stdout.
// Usage: node --import tsx bench/ingest-sender.ts <http-proto|http-json|grpc> <port> <batches>
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { EXPORT_METHOD_PATH } from '../src/receiver/otlp-schema';
import { jsonRequest, protobufRequest } from './otlp-payloads';

const [transport = 'http-proto', portText = '4318', batchesText = '100'] = process.argv.slice(2);
const port = Number(portText);
const batches = Number(batchesText);
const CONCURRENCY = 4;

const json = Array.from({ length: batches }, (_, batch) => jsonRequest(batch));
const bodies: Uint8Array[] =
  transport === 'http-json'
    ? json.map((request) => Buffer.from(JSON.stringify(request)))
    : json.map((request) => protobufRequest(request));

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const contentType = transport === 'http-json' ? 'application/json' : 'application/x-protobuf';

function postHttp(body: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        agent,
        headers: { 'content-type': contentType },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

const client =
  transport === 'grpc'
    ? new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure())
    : undefined;
function postGrpc(body: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    client!.makeUnaryRequest(
      EXPORT_METHOD_PATH,
      (bytes: Uint8Array) => Buffer.from(bytes),
      (bytes: Buffer) => bytes,
      body,
      { deadline: Date.now() + 30_000 },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

async function main(): Promise<void> {
  const send = transport === 'grpc' ? postGrpc : postHttp;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) await send(bodies[next++]!);
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  client?.close();
  process.stdout.write(`${JSON.stringify({ elapsedMs })}\n`);
}

void main();
