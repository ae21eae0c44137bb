// Receiver throughput: spans per second ingested over loopback by our receiver and by the peer
// (@elastic/mockotlpserver, a Node OTLP receiver), sent by a separate process in batches of 512
// spans, against the decode-only limit: protobufjs `Type.decode` (or `JSON.parse`) over the same
// payloads in one process. Rounds interleave ours, the peer's and decode-only; medians quoted.
// gzip (which the peer lacks) is compared against our own uncompressed figure. Then the longest
// event-loop block while a 16 MB batch is ingested.
// Usage: node --import tsx bench/receiver.ts [batches per round, default 60] [rounds, default 5]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { MockOtlpServer } from '@elastic/mockotlpserver';
import { startReceiver } from '../src/receiver';
import { ExportTraceServiceRequest } from '../src/receiver/otlp-schema';
import { fixed, heading, loadAverage, median, print, table } from './lib';
import { floodRequest, jsonRequest, protobufRequest, SPANS_PER_BATCH } from './otlp-payloads';

const batches = Number(process.argv[2] ?? 60);
const rounds = Number(process.argv[3] ?? 5);
const SENDER = join(import.meta.dirname, 'ingest-sender.ts');

async function send(transport: string, port: number, what: string): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', SENDER, transport, String(port), what],
    { encoding: 'utf8', timeout: 180_000, maxBuffer: 1 << 20 },
  );
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { elapsedMs: number }).elapsedMs;
}

/** Ours: a fresh receiver; spans/s from the sender's wall clock, every span checked stored. */
async function ours(transport: string): Promise<number> {
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 0 });
  try {
    const port = transport.startsWith('grpc') ? receiver.grpcPort! : receiver.httpPort;
    const elapsedMs = await send(transport, port, String(batches));
    const stored = receiver.stats().acceptedSpans;
    if (stored !== batches * SPANS_PER_BATCH) throw new Error(`ours stored ${stored} spans`);
    return (stored / elapsedMs) * 1000;
  } finally {
    await receiver.close();
  }
}

/** The peer: mockotlpserver decodes each request and hands it to `onTrace`, where we count. */
async function peer(transport: string): Promise<number> {
  let spans = 0;
  const countSpans = (request: { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] }) => {
    for (const resource of request.resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
  };
  const server = new MockOtlpServer({
    logLevel: 'warn',
    services: [transport === 'grpc' ? 'grpc' : 'http'],
    httpHostname: '127.0.0.1',
    httpPort: 0,
    grpcHostname: '127.0.0.1',
    grpcPort: 0,
    onTrace: countSpans,
  });
  await server.start();
  try {
    const url = new URL(transport === 'grpc' ? server.grpcUrl! : server.httpUrl!);
    const elapsedMs = await send(transport, Number(url.port), String(batches));
    // The peer answers before it decodes (it publishes after replying): wait for the last ones.
    const until = performance.now() + 10_000;
    while (spans < batches * SPANS_PER_BATCH && performance.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 5));
    if (spans !== batches * SPANS_PER_BATCH) throw new Error(`the peer decoded ${spans} spans`);
    return (spans / elapsedMs) * 1000;
  } finally {
    await server.close();
  }
}

/** Decode-only: the generic decoder over the same payloads, no I/O, nothing kept. */
function decodeOnly(bodies: readonly Buffer[], json: boolean): number {
  const started = performance.now();
  let spans = 0;
  for (const body of bodies) {
    const request = (
      json ? JSON.parse(body.toString('utf8')) : ExportTraceServiceRequest.decode(body)
    ) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    for (const resource of request.resourceSpans)
      for (const scope of resource.scopeSpans) spans += scope.spans.length;
  }
  return (spans / (performance.now() - started)) * 1000;
}

async function throughput(): Promise<void> {
  const requests = Array.from({ length: batches }, (_, batch) => jsonRequest(batch));
  const protobufBodies = requests.map((request) => Buffer.from(protobufRequest(request)));
  const jsonBodies = requests.map((request) => Buffer.from(JSON.stringify(request)));
  heading('Part 3: receiver ingest');
  print(
    `${batches} batches x ${SPANS_PER_BATCH} spans per run, ${rounds} rounds, ${loadAverage()}`,
  );
  print(
    `payload per batch: protobuf ${fixed(protobufBodies[0]!.length / 1024, 0)} KiB, JSON ${fixed(jsonBodies[0]!.length / 1024, 0)} KiB`,
  );
  const kinds = [
    { name: 'http-proto', json: false, gzip: 'http-proto-gzip' },
    { name: 'http-json', json: true, gzip: 'http-json-gzip' },
    { name: 'grpc', json: false, gzip: 'grpc-gzip' },
  ];
  const rows: string[][] = [];
  for (const kind of kinds) {
    const bodies = kind.json ? jsonBodies : protobufBodies;
    decodeOnly(bodies, kind.json); // warm-up
    const figures = {
      ours: [] as number[],
      peer: [] as number[],
      gzip: [] as number[],
      decode: [] as number[],
    };
    for (let round = 0; round < rounds; round += 1) {
      figures.ours.push(await ours(kind.name));
      figures.peer.push(await peer(kind.name));
      figures.gzip.push(await ours(kind.gzip));
      figures.decode.push(decodeOnly(bodies, kind.json));
    }
    const [o, p, g, d] = [figures.ours, figures.peer, figures.gzip, figures.decode].map(median);
    rows.push([
      kind.name,
      Math.round(o!).toLocaleString('en'),
      Math.round(p!).toLocaleString('en'),
      Math.round(g!).toLocaleString('en'),
      Math.round(d!).toLocaleString('en'),
      fixed(o! / p!, 2),
      fixed(g! / o!, 2),
      fixed(o! / d!, 2),
    ]);
  }
  print(
    table(
      [
        'transport',
        'ours spans/s',
        'peer spans/s',
        'ours gzip spans/s',
        'decode-only spans/s',
        'ours/peer',
        'gzip/ours',
        'ours/decode-only',
      ],
      rows,
    ),
  );
}

/** The longest event-loop block while one ~16 MB batch is received, decoded and stored. */
async function longestBlock(json: boolean): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'receiver-bench-'));
  const body = floodRequest(json, 16 * 1024 * 1024 - 1024);
  const file = join(folder, 'body');
  writeFileSync(file, body.bytes);
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 'disabled', maxSpans: 10_000_000 });
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  try {
    histogram.enable();
    const elapsedMs = await send(json ? 'file-json' : 'file-proto', receiver.httpPort, file);
    histogram.disable();
    const stored = receiver.stats().acceptedSpans;
    if (stored !== body.spans) throw new Error(`stored ${stored} of ${body.spans} spans`);
    return [
      json ? 'OTLP/JSON' : 'OTLP/protobuf',
      fixed(body.bytes.length / 1024 / 1024, 1),
      body.spans.toLocaleString('en'),
      fixed(elapsedMs, 0),
      fixed(histogram.max / 1e6, 0),
    ];
  } finally {
    histogram.disable();
    await receiver.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await throughput();
  heading('Part 3b: the longest event-loop block during a 16 MB batch');
  const rows = [await longestBlock(false), await longestBlock(true)];
  print(table(['encoding', 'MiB', 'spans', 'ingest ms', 'longest block ms'], rows));
}

void main();
