// Receiver throughput: spans per second ingested over loopback (OTLP/HTTP protobuf, OTLP/HTTP
// JSON, OTLP/gRPC), sent by a separate process in batches of 512 spans, against the limit: the
// decode-only speed of the same payloads in one process. Rounds alternate A B A B; medians quoted.
// Usage: node --import tsx bench/receiver.ts [batches per round, default 100] [rounds, default 5]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeJson } from '../src/receiver/decode-json';
import { decodeProtobuf } from '../src/receiver/decode-protobuf';
import { startReceiver } from '../src/receiver';
import { toSpanRecords } from '../src/receiver/to-span-record';
import { jsonRequest, protobufRequest, SPANS_PER_BATCH } from './otlp-payloads';

const batches = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 5);
const TRANSPORTS = ['http-proto', 'http-json', 'grpc'] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A: a separate process sends every batch to a fresh receiver; spans/s from its wall clock. */
async function overLoopback(transport: (typeof TRANSPORTS)[number]): Promise<number> {
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 0 });
  try {
    const port = transport === 'grpc' ? receiver.grpcPort! : receiver.httpPort;
    // Asynchronously: the receiver answers from this very event loop.
    const { stdout: output } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'ingest-sender.ts'),
        transport,
        String(port),
        String(batches),
      ],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 20 },
    );
    const { elapsedMs } = JSON.parse(output.trim().split('\n').at(-1)!) as { elapsedMs: number };
    const stored = receiver.stats().acceptedSpans;
    if (stored !== batches * SPANS_PER_BATCH)
      throw new Error(`stored ${stored} spans, sent ${batches * SPANS_PER_BATCH}`);
    return (stored / elapsedMs) * 1000;
  } finally {
    await receiver.close();
  }
}

/** B: the same payloads decoded (and turned into span records) in this process, no I/O. */
function decodeOnly(bodies: Uint8Array[], json: boolean): number {
  const started = performance.now();
  let spans = 0;
  for (const body of bodies) {
    const request = json ? decodeJson(Buffer.from(body)) : decodeProtobuf(body);
    spans += toSpanRecords(request).spans.length;
  }
  return (spans / (performance.now() - started)) * 1000;
}

async function main(): Promise<void> {
  const requests = Array.from({ length: batches }, (_, batch) => jsonRequest(batch));
  const protobufBodies = requests.map((request) => protobufRequest(request));
  const jsonBodies = requests.map((request) => Buffer.from(JSON.stringify(request)));
  console.log(
    `receiver ingest: ${batches} batches x ${SPANS_PER_BATCH} spans per round, ${rounds} rounds, node ${process.version}`,
  );
  console.log(
    `payload sizes per batch: protobuf ${(protobufBodies[0]!.length / 1024).toFixed(0)} KiB, JSON ${(jsonBodies[0]!.length / 1024).toFixed(0)} KiB\n`,
  );
  console.log('| transport | loopback spans/s (A) | decode-only spans/s (B) | A/B |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const transport of TRANSPORTS) {
    const json = transport === 'http-json';
    const bodies = json ? jsonBodies : protobufBodies;
    decodeOnly(bodies, json); // warm-up
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      a.push(await overLoopback(transport));
      b.push(decodeOnly(bodies, json));
    }
    const [ma, mb] = [median(a), median(b)];
    console.log(
      `| ${transport} | ${Math.round(ma).toLocaleString('en')} | ${Math.round(mb).toLocaleString('en')} | ${(ma / mb).toFixed(2)} |`,
    );
  }
}

void main();
