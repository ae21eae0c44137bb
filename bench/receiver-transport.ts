// Where ours/decode-only's gap lies: the same 60 protobuf batches, in alternated rounds within one
// process, all-thread CPU per span (what bench/receiver.ts counts) of
// - `decode`: protobufjs `Type.decode`, nothing kept (the decode-only loop of bench/receiver.ts);
// - `stored`: ours without a transport, `ingest` into one store that keeps the round's spans;
// - `dropped`: the same, into a store per batch, so no span outlives its batch (what keeping costs);
// - `http`: ours over OTLP/HTTP from the bench's sender process, as bench/receiver.ts's `ours`.
// The first round of each side is warm-up and left out of the medians. Not part of
// `npm run bench`; see BENCHMARKS.md "Part 3, the varied row's gap: transport and kept spans".
// Usage: node --import tsx bench/receiver-transport.ts [varied|standard, default varied] [rounds, default 12]
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
const SIDES = ['decode', 'stored', 'dropped', 'http'] as const;
type Side = (typeof SIDES)[number];

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
async function inProcess(side: Exclude<Side, 'http'>): Promise<number> {
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

/** One round over HTTP: a fresh receiver; CPU from the sender's go to the last span stored. */
async function overHttp(): Promise<number> {
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 'disabled' });
  try {
    let before = process.cpuUsage();
    await send(
      `http-proto${shape === 'varied' ? '-varied' : ''}`,
      receiver.httpPort,
      String(BATCHES),
      () => {
        before = process.cpuUsage();
      },
    );
    const stored = await receiver.waitFor({ minSpans: SPANS, timeoutMs: 10_000 });
    if (!stored.satisfied) throw new Error(`over HTTP: ${stored.spanCount} of ${SPANS} spans`);
    return nsPerSpan(before, 'http');
  } finally {
    await receiver.close();
  }
}

async function main(): Promise<void> {
  if (shape !== 'varied' && shape !== 'standard') throw new Error('varied or standard');
  heading(`Part 3e: ${shape} protobuf batches, with and without the transport`);
  print(
    `${BATCHES} batches x ${SPANS_PER_BATCH} spans per round, ${rounds} rounds, ${loadAverage()}`,
  );
  const costs: Record<Side, number[]> = { decode: [], stored: [], dropped: [], http: [] };
  for (let round = 0; round < rounds; round += 1) {
    // Every other round in reverse, so that no side always follows the same one.
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const side of order) {
      costs[side].push(side === 'http' ? await overHttp() : await inProcess(side));
    }
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
  print(`load average at end: ${loadAverage()}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
