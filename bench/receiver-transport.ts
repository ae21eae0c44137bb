// Where ours/decode-only's gap lies: the same 60 protobuf batches, in alternated rounds within one
// process, all-thread CPU per span (what bench/receiver.ts counts) of
// - `decode`: protobufjs `Type.decode`, nothing kept (the decode-only loop of bench/receiver.ts);
// - `stored`: ours without a transport, `ingest` into one store that keeps the round's spans;
// - `dropped`: the same, into a store per batch, so no span outlives its batch (what keeping costs);
// - `bare`: a bare `node:http` server that reads each body and answers 200, decoding nothing: the
//   transport alone;
// - `bare+decode`: the same server decoding each body with protobufjs: the least a receiver does;
// - `http`: ours over OTLP/HTTP, as bench/receiver.ts's `ours`.
// The three servers get the bench's sender process (bench/ingest-sender.ts). The first round of
// each side is warm-up and left out of the medians. Not part of `npm run bench`; see BENCHMARKS.md
// "Part 3, the varied row's gap: transport and kept spans".
// Usage: node --import tsx bench/receiver-transport.ts [varied|standard, default varied] [rounds, default 12]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { startReceiver } from '../src/receiver';
import { protobufSource } from '../src/receiver/decode-protobuf';
import { ingest } from '../src/receiver/ingest';
import { ExportTraceServiceRequest } from '../src/receiver/otlp-schema';
import { SpanStore } from '../src/receiver/span-store';
import { fixed, heading, loadAverage, median, print, table } from './lib';
import { jsonRequest, protobufRequest, SPANS_PER_BATCH } from './otlp-payloads';
import { send } from './receiver-send';

const shape = process.argv[2] ?? 'varied';
const rounds = Number(process.argv[3] ?? 12);
const BATCHES = 60;
const SPANS = BATCHES * SPANS_PER_BATCH;
const SIDES = ['decode', 'stored', 'dropped', 'bare', 'bare+decode', 'http'] as const;
type Side = (typeof SIDES)[number];
const TRANSPORT = `http-proto${shape === 'varied' ? '-varied' : ''}`;

const bodies = Array.from({ length: BATCHES }, (_, batch) =>
  Buffer.from(protobufRequest(jsonRequest(batch, shape === 'varied'))),
);

/** The kernel's share (system CPU) of each side's rounds, in the same order as their costs. */
const systemShare: Record<string, number[]> = {};

/** All-thread CPU of this process since `since`, in ns per span of a round. */
function nsPerSpan(since: NodeJS.CpuUsage, side: Side): number {
  const used = process.cpuUsage(since);
  (systemShare[side] ??= []).push(used.system / (used.user + used.system));
  return ((used.user + used.system) * 1000) / SPANS;
}

/** One round in process; a turn of the loop after each batch, as a server would give. */
async function inProcess(side: 'decode' | 'stored' | 'dropped'): Promise<number> {
  const kept = new SpanStore(1_000_000, 'bench');
  const before = process.cpuUsage();
  for (const body of bodies) {
    if (side === 'decode') ExportTraceServiceRequest.decode(body);
    else
      await ingest(protobufSource(body), side === 'stored' ? kept : new SpanStore(SPANS, 'bench'));
    await turn();
  }
  const cost = nsPerSpan(before, side);
  if (side === 'stored' && kept.stats().acceptedSpans !== SPANS) throw new Error('spans lost');
  return cost;
}

/** The sender's batches to `port`: CPU from the sender's go to `done()`, which waits for the last. */
async function sent(port: number, side: Side, done: () => Promise<void>): Promise<number> {
  let before = process.cpuUsage();
  await send(TRANSPORT, port, String(BATCHES), () => {
    before = process.cpuUsage();
  });
  await done();
  return nsPerSpan(before, side);
}

/** One round of ours over HTTP: a fresh receiver; every span must be stored. */
async function ours(): Promise<number> {
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 'disabled' });
  try {
    return await sent(receiver.httpPort, 'http', async () => {
      const stored = await receiver.waitFor({ minSpans: SPANS, timeoutMs: 10_000 });
      if (!stored.satisfied) throw new Error(`over HTTP: ${stored.spanCount} of ${SPANS} spans`);
    });
  } finally {
    await receiver.close();
  }
}

/** One round of a bare server: reads each body whole, decodes it or not, answers 200 empty. */
async function bare(decode: boolean): Promise<number> {
  let answered = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (decode) ExportTraceServiceRequest.decode(Buffer.concat(chunks));
      answered += 1;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    // The sender exits once every batch is answered, and a batch is answered once it was read.
    return await sent(port, decode ? 'bare+decode' : 'bare', () =>
      answered === BATCHES ? Promise.resolve() : Promise.reject(new Error(`${answered} answered`)),
    );
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const measureSide: Record<Side, () => Promise<number>> = {
  decode: () => inProcess('decode'),
  stored: () => inProcess('stored'),
  dropped: () => inProcess('dropped'),
  bare: () => bare(false),
  'bare+decode': () => bare(true),
  http: ours,
};

async function main(): Promise<void> {
  if (shape !== 'varied' && shape !== 'standard') throw new Error('varied or standard');
  heading(`Part 3e: ${shape} protobuf batches, with and without the transport`);
  print(
    `${BATCHES} batches x ${SPANS_PER_BATCH} spans per round, ${rounds} rounds, ${loadAverage()}`,
  );
  const costs = Object.fromEntries(SIDES.map((side) => [side, [] as number[]])) as Record<
    Side,
    number[]
  >;
  for (let round = 0; round < rounds; round += 1) {
    // Every other round in reverse, so that no side always follows the same one.
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const side of order) costs[side].push(await measureSide[side]());
  }
  const medians = Object.fromEntries(
    SIDES.map((side) => [side, median(costs[side].slice(1))]),
  ) as Record<Side, number>;
  // As bench/receiver.ts's ours/decode-only: a rate ratio, so decode's cost over the side's.
  const rows = SIDES.map((side) => [
    side,
    fixed(medians[side], 0),
    fixed(medians.decode / medians[side], 2),
    fixed(median(costs[side].slice(1).map((cost, index) => costs.decode[index + 1]! / cost)), 2),
    `${fixed(median(systemShare[side]!.slice(1)) * 100, 0)} %`,
  ]);
  print(
    table(
      [
        'side',
        'ns of CPU per span (median)',
        'rate / decode (medians)',
        'rate / decode (median of rounds)',
        'system CPU (median)',
      ],
      rows,
    ),
  );
  print(
    `ours over HTTP / bare+decode, by rate: ${fixed(medians['bare+decode'] / medians.http, 2)} (medians)`,
  );
  print(`load average at end: ${loadAverage()}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
