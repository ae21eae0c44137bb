// Does a process that ingested standard batches ingest varied ones more slowly? In one process and
// without a transport: the bench's 60 `http-proto-varied` protobuf batches (url.path and status
// code differ from span to span) stored by `ingest` into a fresh `SpanStore` per round, against
// protobufjs `Type.decode` over the same bodies (the decode-only loop of bench/receiver.ts), in
// alternated rounds. The arrangement is the first argument:
// - `fresh`: varied rounds only, in a fresh process;
// - `after`: first as many rounds of the standard batches (stored, and decoded by protobufjs, as
//   the bench's `http-proto` row does), then the varied rounds, in the same process.
// Main-thread CPU per span of every varied round, and the medians. Not part of `npm run bench`;
// see BENCHMARKS.md "Part 3, varied rows and order (issue 12, branch `s22-order`)".
// Usage: node --import tsx bench/receiver-order.ts fresh|after [rounds, default 12]
import { ingest } from '../src/receiver/ingest';
import { protobufSource } from '../src/receiver/decode-protobuf';
import { ExportTraceServiceRequest } from '../src/receiver/otlp-schema';
import { SpanStore } from '../src/receiver/span-store';
import { fixed, heading, loadAverage, median, print } from './lib';
import { jsonRequest, protobufRequest, SPANS_PER_BATCH } from './otlp-payloads';

const arrangement = process.argv[2] ?? 'fresh';
const rounds = Number(process.argv[3] ?? 12);
const BATCHES = 60;

const bodiesOf = (varied: boolean): Buffer[] =>
  Array.from({ length: BATCHES }, (_, batch) =>
    Buffer.from(protobufRequest(jsonRequest(batch, varied))),
  );

/** One round: main-thread CPU in ns per span of storing (or protobufjs decoding) `bodies`. */
async function round(mode: 'store' | 'protobufjs', bodies: readonly Buffer[]): Promise<number> {
  const store = new SpanStore(1_000_000, 'bench');
  const before = process.threadCpuUsage();
  for (const body of bodies) {
    if (mode === 'protobufjs') ExportTraceServiceRequest.decode(body);
    else await ingest(protobufSource(body), store);
  }
  const used = process.threadCpuUsage(before);
  return ((used.user + used.system) * 1000) / (bodies.length * SPANS_PER_BATCH);
}

/** `count` rounds of both modes over `bodies`, their order swapped every other round. */
async function rounds2(bodies: readonly Buffer[], count: number): Promise<[number[], number[]]> {
  const store: number[] = [];
  const protobufjs: number[] = [];
  for (let index = 0; index < count; index += 1) {
    if (index % 2 === 0) {
      store.push(await round('store', bodies));
      protobufjs.push(await round('protobufjs', bodies));
    } else {
      protobufjs.push(await round('protobufjs', bodies));
      store.push(await round('store', bodies));
    }
  }
  return [store, protobufjs];
}

async function main(): Promise<void> {
  if (arrangement !== 'fresh' && arrangement !== 'after') throw new Error('fresh or after');
  heading(`Part 3d: varied batches in process, ${arrangement}`);
  print(
    `${BATCHES} batches x ${SPANS_PER_BATCH} spans per round, ${rounds} rounds, ${loadAverage()}`,
  );
  const varied = bodiesOf(true);
  if (arrangement === 'after') {
    const [store, protobufjs] = await rounds2(bodiesOf(false), rounds);
    print(
      `standard first: store ${fixed(median(store), 0)} ns/span, protobufjs ${fixed(median(protobufjs), 0)} ns/span (medians)`,
    );
  }
  const [store, protobufjs] = await rounds2(varied, rounds);
  for (let index = 0; index < rounds; index += 1)
    print(
      `varied round ${index + 1}: store ${fixed(store[index]!, 0)}, protobufjs ${fixed(protobufjs[index]!, 0)} ns/span, protobufjs/store ${fixed(protobufjs[index]! / store[index]!, 2)}`,
    );
  // The first round of each mode is warm-up in `fresh` (the code's first calls), so the medians
  // leave it out in both arrangements alike.
  const [s, p] = [median(store.slice(1)), median(protobufjs.slice(1))];
  print(
    `varied medians (rounds 2 to ${rounds}): store ${fixed(s, 0)}, protobufjs ${fixed(p, 0)} ns/span; protobufjs/store ${fixed(p / s, 2)}`,
  );
  print(`load average at end: ${loadAverage()}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
