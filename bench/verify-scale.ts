// How the target-mode verification grows with the number of spans: 1k, 10k, 100k and 1M spans,
// each size measured in its own process (so peak memory is that size's alone), in two shapes:
// one probe whose trace holds every span, and many probes of 100-span traces. The spans take the
// real path: services' export batches (512 spans, OTLP/protobuf, the attributes OpenTelemetry JS's
// HTTP instrumentation writes) go through the receiver's decoder into its span store, and the
// stored records are what `verifyTarget` judges. The per-span cost is quoted against the 1k case
// of the same shape measured in the same run: flat means linear. Memory is quoted against the
// raw span data, the OTLP/protobuf bytes the services sent.
// Usage: node --import tsx bench/verify-scale.ts [sizes, default 1000,10000,100000,1000000]
// Knobs: VERIFY_SCALE_SHAPES=one-trace|many-traces (default both); VERIFY_SCALE_PROFILE=<path
// prefix> writes a CPU profile of the timed verifications of each size.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { protobufSource } from '../src/receiver/decode-protobuf';
import { ingest } from '../src/receiver/ingest';
import { ExportTraceServiceRequest } from '../src/receiver/otlp-schema';
import { SpanStore } from '../src/receiver/span-store';
import { verifyTarget, type TargetProbe } from '../src/verify/target';
import type { SpanRecord } from '../src/verify/types';

const SERVICES = 20;
const BATCH = 512;
const EPOCH_MS = 1_764_000_000_000;
/** Spans per trace in the many-trace shape. */
const MANY_TRACE_SPANS = 100;

type Shape = 'one-trace' | 'many-traces';

interface Attribute {
  key: string;
  value: { stringValue: string } | { intValue: number };
}

interface WireSpan {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId: Buffer;
  name: string;
  kind: number;
  startTimeUnixNano: number;
  endTimeUnixNano: number;
  flags: number;
  attributes: Attribute[];
}

const str = (key: string, value: string): Attribute => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): Attribute => ({ key, value: { intValue: value } });

/** What @opentelemetry/instrumentation-http (stable conventions) writes on a server span. */
function serverAttributes(port: number): Attribute[] {
  return [
    str('http.request.method', 'GET'),
    str('url.scheme', 'http'),
    str('url.path', '/work'),
    str('http.route', '/work'),
    str('server.address', '127.0.0.1'),
    int('server.port', port),
    str('network.peer.address', '127.0.0.1'),
    str('network.protocol.version', '1.1'),
    str('user_agent.original', 'got (https://github.com/sindresorhus/got)'),
    int('http.response.status_code', 200),
  ];
}

/** ... and on a client span. */
function clientAttributes(port: number): Attribute[] {
  return [
    str('http.request.method', 'GET'),
    str('url.full', `http://127.0.0.1:${port}/work`),
    str('server.address', '127.0.0.1'),
    int('server.port', port),
    str('network.peer.address', '127.0.0.1'),
    int('network.peer.port', port),
    str('network.protocol.version', '1.1'),
    int('http.response.status_code', 200),
  ];
}

/**
 * The services' exporters: spans queue per service and leave as one OTLP/protobuf request of
 * `BATCH` spans (the batch processor's default), written to a file (4-byte length, then the
 * body) that the measuring process reads back request by request, as a receiver gets them from
 * the network: the sender's own memory and work stay out of the figures.
 */
class Exporters {
  protobufBytes = 0;
  private readonly queues = new Map<number, WireSpan[]>();

  constructor(private readonly fd: number) {}

  export(service: number, span: WireSpan): void {
    let queue = this.queues.get(service);
    if (queue === undefined) this.queues.set(service, (queue = []));
    queue.push(span);
    if (queue.length >= BATCH) this.flush(service, queue);
  }

  flushAll(): void {
    for (const [service, queue] of this.queues) if (queue.length) this.flush(service, queue);
  }

  private flush(service: number, queue: WireSpan[]): void {
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', `service-${service}`)] },
          scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http' }, spans: queue }],
        },
      ],
    };
    const body = ExportTraceServiceRequest.encode(request).finish();
    this.protobufBytes += body.length;
    queue.length = 0;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    writeSync(this.fd, length);
    writeSync(this.fd, body);
  }
}

/** The receiver's side: every request of the file through its decoder into its span store. */
async function receive(path: string): Promise<{ store: SpanStore; protobufBytes: number }> {
  const store = new SpanStore(Number.MAX_SAFE_INTEGER);
  const fd = openSync(path, 'r');
  let protobufBytes = 0;
  try {
    const length = Buffer.alloc(4);
    while (readSync(fd, length, 0, 4, null) === 4) {
      // A fresh buffer per request, as an HTTP body arrives.
      const body = Buffer.alloc(length.readUInt32BE());
      if (readSync(fd, body, 0, body.length, null) !== body.length) throw new Error('cut short');
      protobufBytes += body.length;
      const outcome = await ingest(protobufSource(body), store);
      if (outcome.rejectedSpans)
        throw new Error(`the receiver refused spans: ${outcome.errorMessage}`);
    }
  } finally {
    closeSync(fd);
  }
  return { store, protobufBytes };
}

let nextSpanId = 1;
/** A span id from a counter (unique in the run), as the 8 bytes OTLP carries. */
function idBytes(id: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeUIntBE(id, 2, 6);
  return bytes;
}

// Spans of one service and kind carry the same attributes: built once, so the sender side of
// the benchmark does not weigh on the receiver's memory figures.
const attributeSets = new Map<number, Attribute[]>();
function attributesOf(service: number, kind: 2 | 3): Attribute[] {
  const key = service * 2 + (kind === 2 ? 0 : 1);
  let attributes = attributeSets.get(key);
  if (attributes === undefined) {
    const port = 8000 + service;
    attributes = kind === 2 ? serverAttributes(port) : clientAttributes(port);
    attributeSets.set(key, attributes);
  }
  return attributes;
}

/**
 * One probe's trace of `size` spans: each service's server span makes 4 client calls, each
 * answered by a server span of another service, breadth first, as a fan-out of real services.
 * Children start after their parent and end before it, as synchronous calls do.
 */
function exportTrace(
  exporters: Exporters,
  size: number,
  traceId: Buffer,
  probeSpan: Buffer,
  startMs: number,
): void {
  const make = (service: number, kind: 2 | 3, id: number, parent: Buffer, at: number) => ({
    traceId,
    spanId: idBytes(id),
    parentSpanId: parent,
    name: kind === 2 ? 'GET /work' : 'GET',
    kind,
    // 1M nested spans fit in two seconds.
    startTimeUnixNano: (startMs + at / 1e3) * 1e6,
    endTimeUnixNano: (startMs + 2000 - at / 1e3) * 1e6,
    // Span flags: the parent's remoteness is known (0x100); remote for a server span (0x200).
    flags: kind === 2 ? 0x301 : 0x101,
    attributes: attributesOf(service, kind),
  });
  // Server spans still to make their calls: ids and services only (the spans are exported).
  const ids: number[] = [nextSpanId++];
  const services: number[] = [0];
  exporters.export(0, make(0, 2, ids[0]!, probeSpan, 0));
  let count = 1;
  for (let head = 0; count < size; head += 1) {
    const service = services[head]!;
    const serverId = idBytes(ids[head]!);
    for (let call = 0; call < 4 && count < size; call += 1) {
      const clientId = nextSpanId++;
      const callee = (service + call + 1) % SERVICES;
      const answerId = nextSpanId++;
      exporters.export(service, make(service, 3, clientId, serverId, count));
      exporters.export(callee, make(callee, 2, answerId, idBytes(clientId), count));
      count += 2;
      ids.push(answerId);
      services.push(callee);
    }
  }
}

/** Writes the export requests of `size` spans in `shape` to `path`; returns the probes. */
function build(size: number, shape: Shape, path: string): TargetProbe[] {
  const fd = openSync(path, 'w');
  const exporters = new Exporters(fd);
  const probes: TargetProbe[] = [];
  const traces = shape === 'one-trace' ? 1 : Math.max(1, Math.round(size / MANY_TRACE_SPANS));
  try {
    for (let index = 0; index < traces; index += 1) {
      const traceId = randomBytes(16);
      const probeSpan = randomBytes(8);
      // Probes one after the other, 10 ms apart, each answered within its two seconds.
      const startMs = EPOCH_MS + index * 10;
      probes.push({
        index: index + 1,
        traceId: traceId.toString('hex'),
        spanId: probeSpan.toString('hex'),
        startMs: startMs - 1,
        endMs: startMs + 2001,
        status: 200,
        error: undefined,
      });
      const spans = shape === 'one-trace' ? size : Math.min(MANY_TRACE_SPANS, size);
      exportTrace(exporters, spans, traceId, probeSpan, startMs);
    }
    exporters.flushAll();
  } finally {
    closeSync(fd);
  }
  return probes;
}

function verify(probes: TargetProbe[], spans: readonly SpanRecord[]): void {
  const result = verifyTarget({
    probes,
    spans,
    expectServices: ['service-0', 'service-1', 'service-4'],
    header: 'traceparent',
  });
  if (!result.passed) throw new Error(`the synthetic trace failed: ${result.failedChecks.join()}`);
}

/** `VERIFY_SCALE_PROFILE=<path prefix>`: a CPU profile of the verifications alone, per size. */
async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  const post = promisify(session.post.bind(session)) as (method: string) => Promise<unknown>;
  await post('Profiler.enable');
  await post('Profiler.start');
  return session;
}

async function stopProfile(session: Session, path: string): Promise<void> {
  const { profile } = await new Promise<{ profile: object }>((resolve, reject) =>
    session.post('Profiler.stop', (error, result) =>
      error ? reject(error) : resolve(result as { profile: object }),
    ),
  );
  writeFileSync(path, JSON.stringify(profile));
  session.disconnect();
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/**
 * In a child: receive the requests of `files.spans`, verify them several times, print the CPU
 * ms per verification and memory. `files.warm`: a small set of the same shape, received and
 * verified first so the receiver and the verifier are compiled before anything is measured.
 */
async function measure(files: Files): Promise<void> {
  const read = (path: string): TargetProbe[] =>
    JSON.parse(readFileSync(path, 'utf8')) as TargetProbe[];
  for (let round = 0; round < 3; round += 1) {
    const warm = (await receive(files.warm)).store.spans();
    const warmProbes = read(files.warmProbes);
    for (let index = 0; index < 20; index += 1) verify(warmProbes, warm);
  }
  const probes = read(files.probes);
  gc();
  const before = process.memoryUsage();
  const { store, protobufBytes } = await receive(files.spans);
  gc();
  const stored = process.memoryUsage();
  const receivingPeakKiB = process.resourceUsage().maxRSS;
  const spans = store.spans();
  const profile = process.env['VERIFY_SCALE_PROFILE'];
  const session = profile === undefined ? undefined : await startProfile();
  // Small sizes repeat until about half a second of work, so timer noise stays small. Time is
  // CPU time (user + system, GC threads included): on a shared machine, time spent waiting for a
  // core would otherwise land on whichever size ran while the machine was busiest.
  const times: number[] = [];
  const walls: number[] = [];
  let spent = 0;
  while (times.length < 3 || (spent < 500 && times.length < 200)) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    verify(probes, spans);
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - started;
    times.push((used.user + used.system) / 1e3);
    walls.push(ms);
    spent += ms;
  }
  if (session !== undefined) await stopProfile(session, `${profile!}-${spans.length}.cpuprofile`);
  times.sort((a, b) => a - b);
  walls.sort((a, b) => a - b);
  const MiB = 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({
      size: store.stats().acceptedSpans,
      probes: probes.length,
      runs: times.length,
      ms: times[Math.floor(times.length / 2)],
      wallMs: walls[Math.floor(walls.length / 2)],
      protobufMiB: protobufBytes / MiB,
      storedMiB: (stored.heapUsed + stored.external - before.heapUsed - before.external) / MiB,
      baseRssMiB: before.rss / MiB,
      storedRssMiB: stored.rss / MiB,
      receivingPeakRssMiB: receivingPeakKiB / 1024,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

interface Row {
  size: number;
  probes: number;
  runs: number;
  ms: number;
  wallMs: number;
  protobufMiB: number;
  storedMiB: number;
  baseRssMiB: number;
  storedRssMiB: number;
  receivingPeakRssMiB: number;
  peakRssMiB: number;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await measure(JSON.parse(process.argv[3]!) as Files);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'verify-scale-'));
  try {
    await table(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Files {
  warm: string;
  warmProbes: string;
  spans: string;
  probes: string;
}

async function table(dir: string): Promise<void> {
  const sizes = (process.argv[2] ?? '1000,10000,100000,1000000').split(',').map(Number);
  console.log(
    `target verification by number of spans, one process per size, node ${process.version}`,
  );
  console.log(
    'raw span data = the OTLP/protobuf bytes the services exported; stored = JS heap the ' +
      "receiver's span records and index hold; peak over base = the process's peak RSS minus its " +
      'RSS before any span (receiver and verifier together)\n',
  );
  // `VERIFY_SCALE_SHAPES=many-traces`: one shape only.
  const shapes = (process.env['VERIFY_SCALE_SHAPES'] ?? 'one-trace,many-traces').split(',');
  for (const shape of shapes as Shape[]) {
    console.log(
      `${shape === 'one-trace' ? 'one probe, one trace of every span' : `many probes, one trace of ${MANY_TRACE_SPANS} spans each`}:\n`,
    );
    console.log(
      '| spans | probes | verify CPU ms (median) | wall ms (median) | ns per span | per-span cost vs 1k | raw span data (protobuf) MiB | stored MiB | stored / raw | RSS once stored MiB | peak RSS while receiving MiB | peak RSS MiB | peak over base MiB | peak over base / raw |',
    );
    console.log(
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    let base: number | undefined;
    for (const size of sizes) {
      const files: Files = {
        warm: join(dir, 'warm.bin'),
        warmProbes: join(dir, 'warm.json'),
        spans: join(dir, 'spans.bin'),
        probes: join(dir, 'probes.json'),
      };
      writeFileSync(files.warmProbes, JSON.stringify(build(4000, shape, files.warm)));
      writeFileSync(files.probes, JSON.stringify(build(size, shape, files.spans)));
      // Node's default heap limit, as the action runs.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', import.meta.filename, '--child', JSON.stringify(files)],
        { encoding: 'utf8', timeout: 600_000 },
      );
      const row = JSON.parse(stdout.trim()) as Row;
      const perSpan = (row.ms * 1e6) / row.size;
      base ??= perSpan;
      const overBase = row.peakRssMiB - row.baseRssMiB;
      // Below a MiB the heap's own noise (a collection during the warm-up) is larger than the data.
      const stored =
        row.storedMiB < 1
          ? '< 1 | -'
          : `${row.storedMiB.toFixed(1)} | ${(row.storedMiB / row.protobufMiB).toFixed(2)}`;
      console.log(
        `| ${row.size.toLocaleString('en')} | ${row.probes.toLocaleString('en')} | ${row.ms.toFixed(2)} | ${row.wallMs.toFixed(2)} | ${perSpan.toFixed(0)} | ${(perSpan / base).toFixed(2)} | ${row.protobufMiB.toFixed(1)} | ${stored} | ${row.storedRssMiB.toFixed(0)} | ${row.receivingPeakRssMiB.toFixed(0)} | ${row.peakRssMiB.toFixed(0)} | ${overBase.toFixed(0)} | ${(overBase / row.protobufMiB).toFixed(2)} |`,
      );
    }
    console.log('');
  }
}

void main();
