// The sender's side of bench/verify-scale.ts: synthetic traces as the services' exporters send
// them (OTLP/protobuf export requests of 512 spans), written to a file the measuring process reads.
import { randomBytes } from 'node:crypto';
import { writeSync, openSync, closeSync } from 'node:fs';
import { ExportTraceServiceRequest } from '../../src/receiver/otlp-schema';
import type { TargetProbe } from '../../src/verify/target';

const SERVICES = 20;
const BATCH = 512;
const EPOCH_MS = 1_764_000_000_000;
/** Spans per trace in the many-trace shape. */
export const MANY_TRACE_SPANS = 100;

export type Shape = 'one-trace' | 'many-traces';

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
export function build(size: number, shape: Shape, path: string): TargetProbe[] {
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
