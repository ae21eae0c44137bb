// Where a varied span's cost goes, in one process and without a transport: the bench's 60
// `http-proto-varied` protobuf batches (url.path and status code differ from span to span), and
// the standard batches for comparison, read four ways in interleaved rounds:
// - `protobufjs`: `Type.decode`, what the decode-only loop of bench/receiver.ts does;
// - `decode`: our decoder, the spans thrown away;
// - `keep`: our decoder, the spans kept in an array (what surviving the young generation costs);
// - `store`: `ingest` into a fresh `SpanStore` (decoded, indexed, columns written, kept).
// Main-thread and all-thread CPU per span (medians of the rounds), and with `--expose-gc` the
// heap each stored span keeps. Not part of `npm run bench`; see BENCHMARKS.md "Part 3, varied
// attributes (issue 12, branch `s21-varied`)".
// Usage: node --expose-gc --import tsx bench/receiver-varied.ts [rounds, default 12]
import { ingest } from '../src/receiver/ingest';
import { protobufSource } from '../src/receiver/decode-protobuf';
import { ExportTraceServiceRequest } from '../src/receiver/otlp-schema';
import { SpanBatch } from '../src/receiver/span-batch';
import { SpanStore } from '../src/receiver/span-store';
import type { StoredSpan } from '../src/receiver/span-store';
import { fixed, heading, loadAverage, median, print, table } from './lib';
import { jsonRequest, protobufRequest, SPANS_PER_BATCH } from './otlp-payloads';

const rounds = Number(process.argv[2] ?? 12);
const WARM_ROUNDS = 3;
const BATCHES = 60;
const MODES = ['protobufjs', 'decode', 'keep', 'store'] as const;
type Mode = (typeof MODES)[number];

const bodiesOf = (varied: boolean): Buffer[] =>
  Array.from({ length: BATCHES }, (_, batch) =>
    Buffer.from(protobufRequest(jsonRequest(batch, varied))),
  );

/** One round of `mode` over `bodies`: CPU in ns per span, main thread and all threads. */
async function round(mode: Mode, bodies: readonly Buffer[]): Promise<[number, number]> {
  const store = new SpanStore(1_000_000, 'bench');
  const kept: StoredSpan[][] = [];
  const main0 = process.threadCpuUsage();
  const all0 = process.cpuUsage();
  for (const body of bodies) {
    if (mode === 'protobufjs') ExportTraceServiceRequest.decode(body);
    else if (mode === 'store') await ingest(protobufSource(body), store);
    else {
      const source = protobufSource(body);
      const batch = new SpanBatch(source.idsAreHex);
      source.decode(0, source.count, batch);
      if (mode === 'keep') kept.push(batch.spans);
    }
  }
  const main = process.threadCpuUsage(main0);
  const all = process.cpuUsage(all0);
  const spans = bodies.length * SPANS_PER_BATCH;
  return [((main.user + main.system) * 1000) / spans, ((all.user + all.system) * 1000) / spans];
}

/** Heap bytes a stored span keeps (after full collections), when `gc` is exposed. */
async function retainedPerSpan(bodies: readonly Buffer[]): Promise<string> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return 'n/a (run with --expose-gc)';
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new SpanStore(1_000_000, 'bench');
  for (const body of bodies) await ingest(protobufSource(body), store);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const spans = store.spans();
  const records = new Set(spans.map((span) => span.attributes)).size;
  return `${fixed((after - before) / spans.length, 0)} B (${records} attribute records)`;
}

async function main(): Promise<void> {
  heading('Part 3c: a varied span in process (no transport)');
  print(
    `${BATCHES} batches x ${SPANS_PER_BATCH} spans per round, ${rounds} rounds, ${loadAverage()}`,
  );
  const rows: string[][] = [];
  for (const varied of [true, false]) {
    const bodies = bodiesOf(varied);
    const main = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
    const all = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
    for (let index = 0; index < WARM_ROUNDS + rounds; index += 1) {
      // The order turns every round, so that no mode always follows the same one.
      for (let step = 0; step < MODES.length; step += 1) {
        const mode = MODES[(index + step) % MODES.length]!;
        const [mainNs, allNs] = await round(mode, bodies);
        if (index < WARM_ROUNDS) continue;
        main.get(mode)!.push(mainNs);
        all.get(mode)!.push(allNs);
      }
    }
    const pb = median(main.get('protobufjs')!);
    for (const mode of MODES) {
      const mainMedian = median(main.get(mode)!);
      rows.push([
        varied ? 'varied' : 'standard',
        mode,
        fixed(mainMedian, 0),
        fixed(median(all.get(mode)!), 0),
        fixed(pb / mainMedian, 2),
      ]);
    }
    rows.push([
      varied ? 'varied' : 'standard',
      'heap kept per stored span',
      await retainedPerSpan(bodies),
      '',
      '',
    ]);
  }
  print(
    table(
      ['batches', 'mode', 'main-thread ns/span', 'all-thread ns/span', 'protobufjs / mode (main)'],
      rows,
    ),
  );
  print(`load average at end: ${loadAverage()}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
