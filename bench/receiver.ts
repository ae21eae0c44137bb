// Receiver throughput: spans per second ingested over loopback by our receiver and by the peer
// (@elastic/mockotlpserver, a Node OTLP receiver), sent by a separate process in batches of 512
// spans, against the decode-only limit: protobufjs `Type.decode` (or `JSON.parse`) over the same
// payloads in one process. Rounds interleave ours, the peer's and decode-only; medians quoted.
// gzip (which the peer lacks) is compared against our own uncompressed figure. Then the longest
// event-loop block while a 16 MB batch is ingested.
// Usage: node --import tsx bench/receiver.ts [batches per round, default 60] [rounds, default 6;
// even, so that ours and gzip take each place in the round equally often, see roundOrder]
// (RECEIVER_BENCH=block: only the event-loop block during a 16 MB batch; BLOCK_ROUNDS=n repeats it;
// RECEIVER_BENCH=throughput: only the throughput table; RECEIVER_BENCH_PER_ROUND=1: every round;
// RECEIVER_BENCH_TRANSPORTS=http-json,...: only these; BENCH_VARIED_ATTRIBUTES=1: attributes that
// differ from span to span in every row). The `-varied` rows (http-proto-varied, grpc-varied)
// send batches whose url.path and status code differ from span to span, so that no span's
// attributes repeat the previous span's; the other rows' batches are as before.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MockOtlpServer } from '@elastic/mockotlpserver';
import { startReceiver } from '../src/receiver';
import { ExportTraceServiceRequest } from '../src/receiver/otlp-schema';
import { fixed, heading, loadAverage, median, print, table } from './lib';
import { FLOOD_BYTES, longestBlock } from './receiver-block';
import { floodRequest, jsonRequest, protobufRequest, SPANS_PER_BATCH } from './otlp-payloads';
import { pairedRatio, roundOrder, send, type Side } from './receiver-send';

const batches = Number(process.argv[2] ?? 60);
const rounds = Number(process.argv[3] ?? 6);

/** Spans/s two ways: by wall time, and by CPU time of this (the receiving) process. */
interface Rate {
  wall: number;
  cpu: number;
}

const epochNow = (): number => performance.timeOrigin + performance.now();
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/**
 * Sends the batches to a receiver in this process and measures from the first send to the later
 * of the last answer and the last span decoded (the peer answers before it decodes). CPU time is
 * this process's, during the whole exchange: on a loaded machine it varies far less than wall time.
 */
async function measure(
  transport: string,
  port: number,
  decoded: () => { spans: number; lastAtEpochMs: number },
): Promise<Rate> {
  let cpuBefore = process.cpuUsage();
  const sent = await send(transport, port, String(batches), () => {
    cpuBefore = process.cpuUsage();
  });
  const until = performance.now() + 10_000;
  while (decoded().spans < batches * SPANS_PER_BATCH && performance.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 2));
  const { spans, lastAtEpochMs } = decoded();
  if (spans !== batches * SPANS_PER_BATCH) throw new Error(`${transport}: ${spans} spans decoded`);
  const wallMs = Math.max(sent.endedAtEpochMs, lastAtEpochMs) - sent.startedAtEpochMs;
  return { wall: (spans / wallMs) * 1000, cpu: (spans / cpuMs(cpuBefore)) * 1000 };
}

/** Ours: a fresh receiver; every span must be stored. */
async function ours(transport: string): Promise<Rate> {
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 0 });
  let lastAtEpochMs = 0;
  const stop = receiver.onSpans(() => (lastAtEpochMs = epochNow()));
  try {
    const port = transport.startsWith('grpc') ? receiver.grpcPort! : receiver.httpPort;
    return await measure(transport, port, () => ({
      spans: receiver.stats().acceptedSpans,
      lastAtEpochMs,
    }));
  } finally {
    stop();
    await receiver.close();
  }
}

/** The peer: mockotlpserver decodes each request and hands it to `onTrace`, where we count. */
async function peer(transport: string): Promise<Rate> {
  let spans = 0;
  let lastAtEpochMs = 0;
  const countSpans = (request: { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] }) => {
    for (const resource of request.resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
    lastAtEpochMs = epochNow();
  };
  const server = new MockOtlpServer({
    logLevel: 'warn',
    services: [transport.startsWith('grpc') ? 'grpc' : 'http'],
    httpHostname: '127.0.0.1',
    httpPort: 0,
    grpcHostname: '127.0.0.1',
    grpcPort: 0,
    onTrace: countSpans,
  });
  await server.start();
  try {
    const url = new URL(transport.startsWith('grpc') ? server.grpcUrl! : server.httpUrl!);
    return await measure(transport, Number(url.port), () => ({ spans, lastAtEpochMs }));
  } finally {
    await server.close();
  }
}

/** Decode-only: the generic decoder over the same payloads, no I/O, nothing kept. */
function decodeOnly(bodies: readonly Buffer[], json: boolean): Rate {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let spans = 0;
  for (const body of bodies) {
    const request = (
      json ? JSON.parse(body.toString('utf8')) : ExportTraceServiceRequest.decode(body)
    ) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    for (const resource of request.resourceSpans)
      for (const scope of resource.scopeSpans) spans += scope.spans.length;
  }
  return {
    wall: (spans / (performance.now() - started)) * 1000,
    cpu: (spans / cpuMs(cpuBefore)) * 1000,
  };
}

/**
 * The rows of the throughput table, each with the bodies its decode-only loop reads. The request
 * objects the bodies are made from (22 MiB of heap for 60 batches) are dropped here: kept for the
 * whole run, they made every full collection of this process, the receiving one, mark them, and
 * the receivers that start more of those collections (a receiver that keeps what it receives)
 * paid for the sender's objects.
 */
function benchKinds(): { name: string; json: boolean; gzip: string; bodies: Buffer[] }[] {
  const requests = Array.from({ length: batches }, (_, batch) => jsonRequest(batch));
  const protobufBodies = requests.map((request) => Buffer.from(protobufRequest(request)));
  const jsonBodies = requests.map((request) => Buffer.from(JSON.stringify(request)));
  const variedBodies = Array.from({ length: batches }, (_, batch) =>
    Buffer.from(protobufRequest(jsonRequest(batch, true))),
  );
  return [
    { name: 'http-proto', json: false, gzip: 'http-proto-gzip', bodies: protobufBodies },
    { name: 'http-json', json: true, gzip: 'http-json-gzip', bodies: jsonBodies },
    { name: 'grpc', json: false, gzip: 'grpc-gzip', bodies: protobufBodies },
    // Attributes differing from span to span (see the usage above).
    {
      name: 'http-proto-varied',
      json: false,
      gzip: 'http-proto-varied-gzip',
      bodies: variedBodies,
    },
    { name: 'grpc-varied', json: false, gzip: 'grpc-varied-gzip', bodies: variedBodies },
  ];
}

/** The rounds of one row: each side's rates, in round order (see roundOrder). */
async function measureKind(kind: {
  name: string;
  json: boolean;
  gzip: string;
  bodies: Buffer[];
}): Promise<Record<Side, Rate[]>> {
  const { bodies } = kind;
  // RECEIVER_BENCH_SAME_TWICE=1: the gzip column runs the uncompressed transport again, so its
  // gzip/ours reads what the schedule alone does to two equal sides (about 1.0 when fair).
  const gzip = process.env['RECEIVER_BENCH_SAME_TWICE'] === '1' ? kind.name : kind.gzip;
  // One discarded round of each first: JIT warm-up would otherwise land on whichever runs first.
  decodeOnly(bodies, kind.json);
  await ours(kind.name);
  await peer(kind.name);
  await ours(gzip);
  const runs = {
    ours: [] as Rate[],
    peer: [] as Rate[],
    gzip: [] as Rate[],
    decode: [] as Rate[],
  };
  const measureSide: Record<Side, () => Promise<Rate> | Rate> = {
    ours: () => ours(kind.name),
    peer: () => peer(kind.name),
    gzip: () => ours(gzip),
    decode: () => decodeOnly(bodies, kind.json),
  };
  for (let round = 0; round < rounds; round += 1) {
    for (const side of roundOrder(round)) runs[side].push(await measureSide[side]());
  }
  return runs;
}

async function throughput(): Promise<void> {
  const kinds = benchKinds();
  const [protobufBodies, jsonBodies] = [kinds[0]!.bodies, kinds[1]!.bodies];
  heading('Part 3: receiver ingest');
  print(
    `${batches} batches x ${SPANS_PER_BATCH} spans per run, ${rounds} rounds, ${loadAverage()}`,
  );
  print(
    `payload per batch: protobuf ${fixed(protobufBodies[0]!.length / 1024, 0)} KiB, JSON ${fixed(jsonBodies[0]!.length / 1024, 0)} KiB`,
  );
  const rows: Record<keyof Rate, string[][]> = { wall: [], cpu: [] };
  // RECEIVER_BENCH_TRANSPORTS=http-json,grpc: only these.
  const only = process.env['RECEIVER_BENCH_TRANSPORTS']?.split(',');
  if (process.env['BENCH_VARIED_ATTRIBUTES'] === '1') print('attributes vary from span to span');
  if (process.env['RECEIVER_BENCH_SAME_TWICE'] === '1')
    print('RECEIVER_BENCH_SAME_TWICE=1: the gzip column is the uncompressed transport again');
  for (const kind of kinds.filter((each) => only === undefined || only.includes(each.name))) {
    const runs = await measureKind(kind);
    // RECEIVER_BENCH_PER_ROUND=1: every round's CPU rates too (ours, peer, gzip, decode-only).
    if (process.env['RECEIVER_BENCH_PER_ROUND'] === '1')
      for (let round = 0; round < rounds; round += 1) {
        const rates = [runs.ours, runs.peer, runs.gzip, runs.decode].map((list) =>
          Math.round(list[round]!.cpu),
        );
        print(`${kind.name} round ${round + 1} by CPU: ${rates.join(' / ')}`);
      }
    for (const by of ['wall', 'cpu'] as const) {
      const [o, p, g, d] = [runs.ours, runs.peer, runs.gzip, runs.decode].map((list) =>
        median(list.map((rate) => rate[by])),
      ) as [number, number, number, number];
      const count = (value: number) => Math.round(value).toLocaleString('en');
      rows[by].push([
        kind.name,
        count(o),
        count(p),
        count(g),
        count(d),
        fixed(o / p, 2),
        fixed(
          pairedRatio(runs.gzip, runs.ours, (rate) => rate[by]),
          2,
        ),
        fixed(o / d, 2),
      ]);
    }
  }
  const headers = [
    'transport',
    'ours spans/s',
    'peer spans/s',
    'ours gzip spans/s',
    'decode-only spans/s',
    'ours/peer',
    'gzip/ours',
    'ours/decode-only',
  ];
  print(
    '\nBy wall time (first send to the last answer or the last span decoded, whichever is later):\n',
  );
  print(table(headers, rows.wall));
  print('\nBy CPU time of the receiving process (less sensitive to other load on the machine):\n');
  print(table(headers, rows.cpu));
  print(
    "\ngzip/ours: the median over pairs of rounds of each pair's geometric mean ratio (ours and gzip swap places every other round; see roundOrder).",
  );
  print(`\nload average at end: ${loadAverage()}`);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--write-flood') {
    const body = floodRequest(process.argv[3] === 'json', FLOOD_BYTES);
    writeFileSync(process.argv[4]!, body.bytes);
    return print(String(body.spans));
  }
  // RECEIVER_BENCH=block measures only the event-loop block (part 3b), in seconds not minutes.
  if (process.env['RECEIVER_BENCH'] !== 'block') await throughput();
  // RECEIVER_BENCH=throughput measures only the throughput table (part 3), for repeated runs.
  if (process.env['RECEIVER_BENCH'] === 'throughput') return;
  heading('Part 3b: the longest event-loop block during a 16 MB batch');
  // BLOCK_ROUNDS: repeat each (the figures vary with load); every round is printed.
  const rows: string[][] = [];
  for (let round = 0; round < Number(process.env['BLOCK_ROUNDS'] ?? 1); round += 1) {
    rows.push(await longestBlock(false, send), await longestBlock(true, send));
  }
  print(
    table(
      ['encoding', 'MiB', 'spans', 'ingest ms', 'longest block ms', 'longest main-thread CPU ms'],
      rows,
    ),
  );
  // The goal is about the worst turn of the loop, so the longest over all rounds is what counts.
  const worst = ['OTLP/protobuf', 'OTLP/JSON'].map((encoding) => {
    const mine = rows.filter((row) => row[0] === encoding);
    const most = (column: number) => Math.max(...mine.map((row) => Number(row[column])));
    return [encoding, String(mine.length), String(most(4)), String(most(5))];
  });
  print(
    '\nLongest over all rounds (goal: under 100 ms of block; main-thread CPU at most 60 ms):\n',
  );
  print(table(['encoding', 'rounds', 'longest block ms', 'longest main-thread CPU ms'], worst));
  print(`\nload average at end: ${loadAverage()}`);
}

void main();
