// How the target-mode verification grows with the number of spans: 1k, 10k, 100k and 1M spans,
// each size measured in its own process (so peak memory is that size's alone), in two shapes:
// one probe whose trace holds every span, and many probes of 100-span traces. The spans take the
// real path: services' export batches (512 spans, OTLP/protobuf, the attributes OpenTelemetry JS's
// HTTP instrumentation writes) go through the receiver's decoder into its span store, and the
// stored records are what `verifyTarget` judges. The per-span cost is quoted against the 1k case
// of the same shape measured in the same run: flat means linear. Memory is quoted against the
// raw span data, the OTLP/protobuf bytes the services sent.
// Usage: node --import tsx bench/verify-scale.ts [sizes, default 1000,10000,100000,1000000]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { protobufSource } from '../src/receiver/decode-protobuf';
import { ingest } from '../src/receiver/ingest';
import { ExportTraceServiceRequest } from '../src/receiver/otlp-schema';
import { SpanStore } from '../src/receiver/span-store';
import { verifyTarget, type TargetProbe } from '../src/verify/target';

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
 * `BATCH` spans (the batch processor's default), decoded and stored by the receiver's own code.
 */
class Exporters {
  readonly store = new SpanStore(Number.MAX_SAFE_INTEGER);
  protobufBytes = 0;
  private readonly queues = new Map<number, WireSpan[]>();

  async export(service: number, span: WireSpan): Promise<void> {
    let queue = this.queues.get(service);
    if (queue === undefined) this.queues.set(service, (queue = []));
    queue.push(span);
    if (queue.length >= BATCH) await this.flush(service, queue);
  }

  async flushAll(): Promise<void> {
    for (const [service, queue] of this.queues) if (queue.length) await this.flush(service, queue);
  }

  private async flush(service: number, queue: WireSpan[]): Promise<void> {
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', `service-${service}`)] },
          scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http' }, spans: queue }],
        },
      ],
    };
    const body = Buffer.from(ExportTraceServiceRequest.encode(request).finish());
    this.protobufBytes += body.length;
    queue.length = 0;
    const outcome = await ingest(protobufSource(body), this.store);
    if (outcome.rejectedSpans)
      throw new Error(`the receiver refused spans: ${outcome.errorMessage}`);
  }
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
async function exportTrace(
  exporters: Exporters,
  size: number,
  traceId: Buffer,
  probeSpan: Buffer,
  startMs: number,
): Promise<void> {
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
  await exporters.export(0, make(0, 2, ids[0]!, probeSpan, 0));
  let count = 1;
  for (let head = 0; count < size; head += 1) {
    const service = services[head]!;
    const serverId = idBytes(ids[head]!);
    for (let call = 0; call < 4 && count < size; call += 1) {
      const clientId = nextSpanId++;
      const callee = (service + call + 1) % SERVICES;
      const answerId = nextSpanId++;
      await exporters.export(service, make(service, 3, clientId, serverId, count));
      await exporters.export(callee, make(callee, 2, answerId, idBytes(clientId), count));
      count += 2;
      ids.push(answerId);
      services.push(callee);
    }
  }
}

/** The spans of `size` in `shape`, through the receiver, and the probes that sent them. */
async function build(
  size: number,
  shape: Shape,
): Promise<{ probes: TargetProbe[]; exporters: Exporters }> {
  const exporters = new Exporters();
  const probes: TargetProbe[] = [];
  const traces = shape === 'one-trace' ? 1 : Math.max(1, Math.round(size / MANY_TRACE_SPANS));
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
    await exportTrace(exporters, spans, traceId, probeSpan, startMs);
  }
  await exporters.flushAll();
  return { probes, exporters };
}

function verify(probes: TargetProbe[], store: SpanStore): void {
  const result = verifyTarget({
    probes,
    spans: store.spans(),
    expectServices: ['service-0', 'service-1', 'service-4'],
    header: 'traceparent',
  });
  if (!result.passed) throw new Error(`the synthetic trace failed: ${result.failedChecks.join()}`);
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** In a child: build the spans, verify them several times, print ms per verification and memory. */
async function measure(size: number, shape: Shape): Promise<void> {
  // Warm-up: compile the receiver and the verifier before timing them, at a size that takes the
  // same paths (several batches, several probes in the many-trace shape).
  for (let round = 0; round < 3; round += 1) {
    const warm = await build(4000, shape);
    for (let index = 0; index < 20; index += 1) verify(warm.probes, warm.exporters.store);
  }
  gc();
  const before = process.memoryUsage();
  const { probes, exporters } = await build(size, shape);
  gc();
  const stored = process.memoryUsage();
  // Small sizes repeat until about half a second of work, so timer noise stays small.
  const times: number[] = [];
  let spent = 0;
  while (times.length < 3 || (spent < 500 && times.length < 200)) {
    const started = performance.now();
    verify(probes, exporters.store);
    const ms = performance.now() - started;
    times.push(ms);
    spent += ms;
  }
  times.sort((a, b) => a - b);
  const MiB = 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({
      size: exporters.store.stats().acceptedSpans,
      probes: probes.length,
      runs: times.length,
      ms: times[Math.floor(times.length / 2)],
      protobufMiB: exporters.protobufBytes / MiB,
      storedMiB: (stored.heapUsed + stored.external - before.heapUsed - before.external) / MiB,
      baseRssMiB: before.rss / MiB,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

interface Row {
  size: number;
  probes: number;
  runs: number;
  ms: number;
  protobufMiB: number;
  storedMiB: number;
  baseRssMiB: number;
  peakRssMiB: number;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await measure(Number(process.argv[3]), process.argv[4] as Shape);
    return;
  }
  const sizes = (process.argv[2] ?? '1000,10000,100000,1000000').split(',').map(Number);
  console.log(
    `target verification by number of spans, one process per size, node ${process.version}`,
  );
  console.log(
    'raw span data = the OTLP/protobuf bytes the services exported; stored = JS heap the ' +
      "receiver's span records and index hold; peak over base = the process's peak RSS minus its " +
      'RSS before any span (receiver and verifier together)\n',
  );
  for (const shape of ['one-trace', 'many-traces'] as const) {
    console.log(
      `${shape === 'one-trace' ? 'one probe, one trace of every span' : `many probes, one trace of ${MANY_TRACE_SPANS} spans each`}:\n`,
    );
    console.log(
      '| spans | probes | verify ms (median) | ns per span | per-span cost vs 1k | raw span data (protobuf) MiB | stored MiB | stored / raw | peak RSS MiB | peak over base MiB | peak over base / raw |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    let base: number | undefined;
    for (const size of sizes) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--max-old-space-size=8192',
          '--expose-gc',
          '--import',
          'tsx',
          import.meta.filename,
          '--child',
          String(size),
          shape,
        ],
        { encoding: 'utf8', timeout: 600_000 },
      );
      const row = JSON.parse(stdout.trim()) as Row;
      const perSpan = (row.ms * 1e6) / row.size;
      base ??= perSpan;
      const overBase = row.peakRssMiB - row.baseRssMiB;
      console.log(
        `| ${row.size.toLocaleString('en')} | ${row.probes.toLocaleString('en')} | ${row.ms.toFixed(2)} | ${perSpan.toFixed(0)} | ${(perSpan / base).toFixed(2)} | ${row.protobufMiB.toFixed(1)} | ${row.storedMiB.toFixed(1)} | ${(row.storedMiB / row.protobufMiB).toFixed(2)} | ${row.peakRssMiB.toFixed(0)} | ${overBase.toFixed(0)} | ${(overBase / row.protobufMiB).toFixed(2)} |`,
      );
    }
    console.log('');
  }
}

void main();
