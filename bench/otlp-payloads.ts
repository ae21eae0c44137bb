// Realistic OTLP trace export payloads for the receiver benchmarks: batches of 512 spans (the
// batch span processor's default maxExportBatchSize), each span with a handful of attributes,
// every span id unique so the receiver stores each one.
import { randomBytes } from 'node:crypto';
import { ExportTraceServiceRequest } from '../src/receiver/otlp-schema';

export const SPANS_PER_BATCH = 512;

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  flags: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string } }[];
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

// Varied attributes: url.path and the status code differ from span to span (as they do for a
// server's real traffic), so no span's attributes repeat the previous span's byte for byte. The
// bench's `-varied` rows ask for them; BENCH_VARIED_ATTRIBUTES=1 makes them the default.
const VARIED_ATTRIBUTES = process.env['BENCH_VARIED_ATTRIBUTES'] === '1';

/** One export request as OTLP/JSON (hex ids), `batch` making ids and times distinct. */
export function jsonRequest(batch: number, varied = VARIED_ATTRIBUTES): object {
  const traceId = hex(16);
  const spans: JsonSpan[] = [];
  let parent = hex(8);
  for (let index = 0; index < SPANS_PER_BATCH; index += 1) {
    const spanId = hex(8);
    const start = BigInt(1_700_000_000_000_000_000) + BigInt(batch * 1_000_000 + index * 1000);
    spans.push({
      traceId,
      spanId,
      parentSpanId: parent,
      name: index % 2 === 0 ? 'GET /work' : 'GET',
      kind: index % 2 === 0 ? 2 : 3,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + 500_000n),
      flags: 0x300,
      attributes: [
        { key: 'http.request.method', value: { stringValue: 'GET' } },
        {
          key: 'url.path',
          value: { stringValue: varied ? `/work/${batch}/${index}` : '/work' },
        },
        { key: 'server.address', value: { stringValue: '127.0.0.1' } },
        { key: 'server.port', value: { intValue: '8080' } },
        {
          key: 'http.response.status_code',
          value: { intValue: varied ? String(200 + (index % 5)) : '200' },
        },
        { key: 'network.protocol.version', value: { stringValue: '1.1' } },
      ],
    });
    parent = spanId;
  }
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: { stringValue: `bench-${batch % 8}` } }],
        },
        scopeSpans: [{ scope: { name: 'bench' }, spans }],
      },
    ],
  };
}

/** The same request as OTLP protobuf: ids as bytes, the official message definitions. */
export function protobufRequest(json: object): Uint8Array {
  const toBytes = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(toBytes);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [
          key,
          ['traceId', 'spanId', 'parentSpanId'].includes(key) && typeof inner === 'string'
            ? Buffer.from(inner, 'hex')
            : toBytes(inner),
        ]),
      );
    }
    return value;
  };
  return ExportTraceServiceRequest.encode(
    ExportTraceServiceRequest.fromObject(toBytes(json) as object),
  ).finish();
}

/**
 * One flood batch just under `maxBytes`: as many small valid spans as fit (ids, times, a name),
 * in one resource, as a hostile or runaway exporter could send.
 */
export function floodRequest(json: boolean, maxBytes: number): { bytes: Buffer; spans: number } {
  const traceId = hex(16);
  const span = (index: number) => {
    const start = 1_700_000_000_000_000_000n + BigInt(index) * 1000n;
    return {
      traceId,
      spanId: (index + 1).toString(16).padStart(16, '0'),
      name: 'GET',
      kind: 2,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + 500n),
    };
  };
  const encode = (count: number): Buffer => {
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'flood' } }] },
          scopeSpans: [{ spans: Array.from({ length: count }, (_, index) => span(index)) }],
        },
      ],
    };
    return Buffer.from(json ? JSON.stringify(request) : protobufRequest(request));
  };
  // Size per span from a sample, then the largest count that fits.
  const perSpan = encode(1000).length / 1000;
  let count = Math.floor(maxBytes / perSpan);
  let bytes = encode(count);
  while (bytes.length > maxBytes) {
    count = Math.floor(count * 0.995);
    bytes = encode(count);
  }
  return { bytes, spans: count };
}
