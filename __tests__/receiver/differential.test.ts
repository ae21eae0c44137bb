// Differential test of the hand-written protobuf decoder: randomized ExportTraceServiceRequests,
// encoded by protobufjs from the committed descriptor, are decoded both by the receiver's decoder
// and by protobufjs' generic decoder (Type.decode + toObject), and every field the verifier reads
// must agree. The reference conversion below is written independently, with BigInt for times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Long from 'long';
import { protobufSource } from '../../src/receiver/decode-protobuf';
import { ExportTraceServiceRequest } from '../../src/receiver/otlp-schema';
import { SpanBatch } from '../../src/receiver/span-batch';
import { readUtf8 } from '../../src/receiver/utf8-cache';
import { seededRandom } from '../helpers/seeded-random';

const REQUESTS = Number(process.env['DIFFERENTIAL_REQUESTS'] ?? 300);
const SEED = Number(process.env['DIFFERENTIAL_SEED'] ?? 12);

const { random, int, pick } = seededRandom(SEED);
const bytes = (length: number): Buffer => Buffer.from(Array.from({ length }, () => int(256)));

function id(length: number): Buffer {
  const roll = random();
  if (roll < 0.05) return Buffer.alloc(0);
  if (roll < 0.1) return Buffer.alloc(length);
  if (roll < 0.13) return bytes(int(20));
  return bytes(length);
}

function uint64(): Long {
  const roll = random();
  if (roll < 0.05) return Long.UZERO;
  if (roll < 0.1) return Long.MAX_UNSIGNED_VALUE;
  if (roll < 0.2) return Long.fromBits(int(2 ** 32), int(2 ** 32), true);
  const nanos = 1_700_000_000_000_000_000n + BigInt(int(2 ** 31)) * 1_000_003n;
  return Long.fromString(nanos.toString(), true);
}

function int64(): Long {
  const roll = random();
  if (roll < 0.3) return Long.fromNumber(int(1000) - 500);
  if (roll < 0.5) return Long.fromBits(int(2 ** 32), int(2 ** 32), false);
  if (roll < 0.6)
    return pick([Long.MAX_VALUE, Long.MIN_VALUE, Long.fromString('9007199254740993')]);
  return Long.fromNumber((random() - 0.5) * 2 ** 53);
}

const WORDS = ['', 'GET /work', 'é', '🚀 span', 'a\u0000b', 'service.name', 'k'];
// Short ASCII strings from a tiny alphabet repeat and collide in the receiver's string table;
// longer ones pass its 64-byte limit.
const text = (): string =>
  random() < 0.5
    ? pick(WORDS)
    : Array.from({ length: int(int(2) === 0 ? 8 : 80) }, () => pick(['a', 'b', '.', 'é'])).join('');

function anyValue(depth: number): Record<string, unknown> {
  switch (int(depth > 3 ? 5 : 8)) {
    case 0:
      return { stringValue: text() };
    case 1:
      return { boolValue: random() < 0.5 };
    case 2:
      return { intValue: int64() };
    case 3:
      return { doubleValue: pick([0, -0.5, 1.5e300, Number.NaN, random() * 1e6]) };
    case 4:
      return { bytesValue: bytes(int(6)) };
    case 5:
      return { arrayValue: { values: Array.from({ length: int(4) }, () => anyValue(depth + 1)) } };
    case 6:
      return { kvlistValue: { values: keyValues(depth + 1) } };
    default:
      return {};
  }
}

function keyValues(depth: number): Record<string, unknown>[] {
  return Array.from({ length: int(5) }, () => ({
    key:
      random() < 0.7 ? pick(['http.request.method', 'server.port', 'k', '', 'url.path']) : text(),
    ...(random() < 0.95 ? { value: anyValue(depth) } : {}),
  }));
}

function span(): Record<string, unknown> {
  return {
    traceId: id(16),
    spanId: id(8),
    ...(random() < 0.8 ? { parentSpanId: id(8) } : {}),
    traceState: random() < 0.2 ? 'k=v' : '',
    name: text(),
    kind: int(8),
    startTimeUnixNano: uint64(),
    endTimeUnixNano: uint64(),
    // Most spans take one of the request's few attribute sets, as spans of one route do (the
    // decoder then shares one record between spans, `RecentAttributes`), or one of them with an
    // entry of their own (a server's url.path: the decoder reuses the other entries).
    attributes: attributesOf(random()),
    droppedAttributesCount: int(3),
    events: random() < 0.2 ? [{ name: 'e', timeUnixNano: uint64(), attributes: keyValues(0) }] : [],
    links:
      random() < 0.2 ? [{ traceId: bytes(16), spanId: bytes(8), attributes: keyValues(0) }] : [],
    status: random() < 0.3 ? { code: int(3), message: 'm' } : undefined,
    flags: pick([0, 1, 0x100, 0x101, 0x300, 0x301, 0x200, int(2 ** 32)]),
  };
}

let attributeSets: Record<string, unknown>[][] = [];

function attributesOf(roll: number): Record<string, unknown>[] {
  if (roll < 0.5) return pick(attributeSets);
  if (roll >= 0.8) return keyValues(0);
  // A set with one entry changed: its value, its key, its value dropped, or an entry added.
  const set = [...pick(attributeSets)];
  const at = int(set.length + 1);
  const entry = set[at] ?? { key: 'url.path' };
  const changes = [
    { ...entry, value: anyValue(0) },
    { ...entry, key: text() },
    { key: entry['key'] },
  ];
  set[at] = pick(changes);
  return set;
}

const types = ExportTraceServiceRequest.root;
const SpanType = types.lookupType('opentelemetry.proto.trace.v1.Span');
const ResourceType = types.lookupType('opentelemetry.proto.resource.v1.Resource');
const ScopeType = types.lookupType('opentelemetry.proto.common.v1.InstrumentationScope');

/** A length-delimited field: its tag, its length as a varint, its bytes. */
function field(number: number, bytes: Uint8Array): Buffer {
  const varint = (value: number): number[] => {
    const out: number[] = [];
    for (; value > 127; value >>>= 7) out.push((value & 127) | 128);
    return [...out, value];
  };
  return Buffer.concat([
    Buffer.from([...varint((number << 3) | 2), ...varint(bytes.length)]),
    bytes,
  ]);
}

/**
 * One span's bytes, sometimes followed by more of its fields (protobuf merges them: a repeated
 * field's entries are appended): attributes split in two runs, or a field between two runs.
 */
function spanBytes(): Buffer {
  const encode = (value: Record<string, unknown>) =>
    SpanType.encode(SpanType.fromObject(value)).finish();
  const parts = [encode(span())];
  if (random() < 0.25)
    parts.push(encode({ attributes: random() < 0.5 ? pick(attributeSets) : keyValues(0) }));
  if (random() < 0.1) parts.push(encode({ name: 'later' }));
  if (random() < 0.1) parts.push(encode({ attributes: pick(attributeSets) }));
  return Buffer.concat(parts);
}

/** A request assembled field by field (spans as `spanBytes`), as the SDKs' encoders lay it out. */
function request(): Uint8Array {
  attributeSets = Array.from({ length: 1 + int(3) }, () => keyValues(0));
  const resources = Array.from({ length: 1 + int(3) }, () => {
    const parts: Buffer[] = [];
    if (random() < 0.85) {
      const resource = { attributes: [...keyValues(0), ...serviceName()] };
      parts.push(field(1, ResourceType.encode(ResourceType.fromObject(resource)).finish()));
    }
    for (let scope = int(3); scope > 0; scope -= 1) {
      const scopeParts = [
        field(1, ScopeType.encode(ScopeType.fromObject({ name: 'scope' })).finish()),
      ];
      for (let count = int(14); count > 0; count -= 1) scopeParts.push(field(2, spanBytes()));
      if (random() < 0.3)
        scopeParts.push(field(3, Buffer.from('https://opentelemetry.io/schemas/1.0')));
      parts.push(field(2, Buffer.concat(scopeParts)));
    }
    return field(1, Buffer.concat(parts));
  });
  return Buffer.concat(resources);
}

function serviceName(): Record<string, unknown>[] {
  if (random() < 0.2) return [];
  return [
    { key: 'service.name', value: random() < 0.8 ? { stringValue: `svc-${int(5)}` } : anyValue(0) },
  ];
}

// ---- The reference: protobufjs' generic decoder, and the pre-rewrite conversion rules. ----

type Plain = Record<string, unknown>;
const KINDS = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'];

function referenceValue(value: Plain | undefined, depth: number): unknown {
  if (value === undefined || depth > 16) return undefined;
  if (value['stringValue'] !== undefined) return value['stringValue'];
  if (value['boolValue'] !== undefined) return value['boolValue'];
  if (value['doubleValue'] !== undefined) return value['doubleValue'];
  if (value['intValue'] !== undefined) {
    const number = Number(value['intValue']);
    return Number.isSafeInteger(number) ? number : value['intValue'];
  }
  const array = value['arrayValue'] as { values?: Plain[] } | undefined;
  if (array !== undefined)
    return (array.values ?? []).map((item) => referenceValue(item, depth + 1) ?? '').join(',');
  const list = value['kvlistValue'] as { values?: Plain[] } | undefined;
  if (list !== undefined) return JSON.stringify(referenceAttributes(list.values ?? [], depth + 1));
  return value['bytesValue'];
}

function referenceAttributes(list: Plain[], depth = 0): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const entry of list) {
    const flat = referenceValue(entry['value'] as Plain | undefined, depth);
    if (flat !== undefined) attributes[(entry['key'] as string | undefined) ?? ''] = flat;
  }
  return attributes;
}

const hex = (base64: unknown): string =>
  base64 === undefined ? '' : Buffer.from(base64 as string, 'base64').toString('hex');

function millis(nanos: unknown): number {
  const value = BigInt((nanos as string | undefined) ?? '0');
  return Number(value / 1_000_000n) + Number(value % 1_000_000n) / 1e6;
}

function reference(body: Uint8Array): { spans: Plain[]; rejected: number } {
  const plain = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
    longs: String,
    enums: Number,
    bytes: String,
    defaults: false,
    arrays: true,
  }) as { resourceSpans: Plain[] };
  const spans: Plain[] = [];
  let rejected = 0;
  for (const resourceSpans of plain.resourceSpans) {
    const resource = resourceSpans['resource'] as { attributes: Plain[] } | undefined;
    const name = referenceAttributes(resource?.attributes ?? [])['service.name'];
    const service = name === undefined || name === '' ? 'unknown_service' : String(name);
    for (const scope of resourceSpans['scopeSpans'] as { spans: Plain[] }[]) {
      for (const span of scope.spans) {
        const [traceId, spanId, parent] = [
          span['traceId'],
          span['spanId'],
          span['parentSpanId'],
        ].map(hex);
        const isRoot = parent === '' || parent === '0000000000000000';
        const valid =
          /^[0-9a-f]{32}$/.test(traceId!) &&
          !/^0+$/.test(traceId!) &&
          /^[0-9a-f]{16}$/.test(spanId!) &&
          !/^0+$/.test(spanId!) &&
          (parent === '' || /^[0-9a-f]{16}$/.test(parent!));
        if (!valid) {
          rejected += 1;
          continue;
        }
        const flags = (span['flags'] as number | undefined) ?? 0;
        spans.push({
          traceId,
          spanId,
          parentSpanId: isRoot ? undefined : parent,
          parentIsRemote: isRoot || (flags & 0x100) === 0 ? undefined : (flags & 0x200) !== 0,
          name: span['name'] ?? '',
          kind: KINDS[(span['kind'] as number | undefined) ?? 0] ?? 'internal',
          service,
          startTimeMs: millis(span['startTimeUnixNano']),
          endTimeMs: millis(span['endTimeUnixNano']),
          attributes: referenceAttributes(span['attributes'] as Plain[]),
          sampled: flags === 0 ? undefined : (flags & 1) !== 0,
        });
      }
    }
  }
  return { spans, rejected };
}

test(`the hand-written decoder agrees with protobufjs on ${REQUESTS} random requests (seed ${SEED})`, () => {
  let compared = 0;
  let shared = 0;
  for (let round = 0; round < REQUESTS; round += 1) {
    const body = Buffer.from(request());
    const expected = reference(body);
    const source = protobufSource(body);
    const batch = new SpanBatch(source.idsAreHex);
    // Decode in uneven slices, as the receiver may.
    for (let from = 0; from < source.count; from += 3) {
      source.decode(from, Math.min(source.count, from + 3), batch);
    }
    shared += batch.spans.filter(
      (stored, index) => index > 0 && stored.attributes === batch.spans[index - 1]!.attributes,
    ).length;
    const actual = batch.spans.map((stored) => ({ ...stored }));
    assert.deepEqual(actual, expected.spans, `request ${round} (seed ${SEED})`);
    assert.equal(batch.rejected.length, expected.rejected, `request ${round} rejections`);
    compared += actual.length;
  }
  assert.ok(compared > REQUESTS, `compared ${compared} spans`);
  assert.ok(shared > REQUESTS / 10, `only ${shared} spans shared their attribute record`);
});

test('the string table never returns another string of the same length (forced collisions)', () => {
  // 20,000 distinct 6-byte strings in a table of 4,096 slots: same-length collisions are certain.
  const words = Array.from(
    { length: 20_000 },
    (_, index) => `w${index.toString(36).padStart(5, '0')}`,
  );
  const buf = Buffer.from(words.join(''), 'latin1');
  for (let round = 0; round < 2; round += 1) {
    for (let index = 0; index < words.length; index += 1) {
      const at = (index * 7919) % words.length;
      assert.equal(readUtf8(buf, at * 6, at * 6 + 6), words[at]);
    }
  }
});
