import type { SpanRecord } from './types';

/**
 * One trace's spans, indexed for walking by position: each span's parent as a position in
 * `spans`, and which spans a server span answered. Built in two passes over the spans with one
 * open-addressing table of typed arrays, so a trace of a million spans costs no map of a million
 * string keys, no per-span object and nothing for the garbage collector to trace.
 */
export interface TraceGraph {
  traceId: string;
  spans: readonly SpanRecord[];
  /**
   * For the span at each position, the position of its parent in `spans`, or -1 for a root and
   * for a parent nobody exported in this trace. An id exported twice resolves to its first span
   * (a re-export or a colliding id does not replace it).
   */
  parents: Int32Array;
  /** The kind of the span at each position (`KIND.server`, ...), read without the span. */
  kinds: Uint8Array;
  /** `FLAG` bits of the span at each position (sampled, parent named, parent local). */
  flags: Uint8Array;
  /** The services that exported spans in this trace, in order of appearance. */
  services: ReadonlySet<string>;
  /** The service of the span at each position, as an index into `serviceNames`. */
  serviceOf: Int32Array;
  serviceNames: readonly string[];
  /** Start and end time (ms) of the span at each position. */
  starts: Float64Array;
  ends: Float64Array;
  /** Ids exported by more than one service in this trace (id collisions), with their services. */
  collisions: ReadonlyMap<string, readonly string[]>;
  /** Position of the first span exported under `id`, or -1. */
  indexOf(id: string): number;
  /** True when a server span names the span at `position` (or its id) as parent: answered. */
  isAnswered(position: number): boolean;
}

/** Span kinds as small numbers, for `TraceGraph.kinds`. */
export const KIND = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 } as const;

/** Bits of `TraceGraph.flags`: what a check needs of a span besides its kind and parent. */
export const FLAG = {
  /** The span's sampled bit is set (`sampled === true`). */
  sampled: 1,
  /** The exporter wrote the sampled bit cleared (`sampled === false`; unset is neither). */
  notSampled: 2,
  /** The span names a parent (`parentSpanId !== undefined`), resolved or not. */
  hasParent: 4,
  /** The span flags say the parent is not remote (`parentIsRemote === false`). */
  localParent: 8,
} as const;

/** `KIND[kind]` without a keyed lookup: the receiver's kinds are shared constant strings. */
function kindNumber(kind: string): number {
  if (kind === 'server') return KIND.server;
  if (kind === 'client') return KIND.client;
  if (kind === 'producer') return KIND.producer;
  return kind === 'consumer' ? KIND.consumer : KIND.internal;
}

export function buildTraceGraph(traceId: string, spans: readonly SpanRecord[]): TraceGraph {
  const count = spans.length;
  const ids = new IdTable(spans);
  const kinds = new Uint8Array(count);
  const flags = new Uint8Array(count);
  const serviceIds = new Map<string, number>();
  const serviceOf = new Int32Array(count);
  const starts = new Float64Array(count);
  const ends = new Float64Array(count);
  // The parent's key, read in the same pass as the span's own fields: the second pass reads no
  // span object (only a parent id that is not 16 hex digits is read again, to compare strings).
  // `parents` holds the key's high half until the second pass replaces it with a position.
  const parents = new Int32Array(count);
  const parentLow = new Int32Array(count);
  // The first span of each id; only differs from the span's own position for a repeated id.
  let firstOf: Int32Array | undefined;
  let lastService: string | undefined;
  let lastServiceId = -1;
  // One pass over the span objects, in store order.
  for (let position = 0; position < count; position += 1) {
    const span = spans[position]!;
    const first = ids.insert(position, span.spanId);
    if (first !== position) (firstOf ??= identity(count))[position] = first;
    kinds[position] = kindNumber(span.kind);
    // Spans come in export batches of one service: look it up only when it changes.
    if (span.service !== lastService) {
      lastService = span.service;
      lastServiceId = serviceIds.get(lastService) ?? serviceIds.size;
      serviceIds.set(lastService, lastServiceId);
    }
    serviceOf[position] = lastServiceId;
    starts[position] = span.startTimeMs;
    ends[position] = span.endTimeMs;
    const sampled = span.sampled;
    let bits = sampled === true ? FLAG.sampled : sampled === false ? FLAG.notSampled : 0;
    if (span.parentIsRemote === false) bits |= FLAG.localParent;
    const parentId = span.parentSpanId;
    if (parentId !== undefined) {
      bits |= FLAG.hasParent | (keyOf(parentId) ? 0 : HASHED_PARENT);
      parents[position] = keyHigh;
      parentLow[position] = keyLow;
    }
    flags[position] = bits;
  }
  // Answered ids that are no span of the trace (the probe's own span) are of no use here: only
  // spans of the trace are asked about.
  const answered = new Uint8Array(count);
  // Typed arrays only (and the table): the table's reads, at random, overlap from span to span.
  for (let position = 0; position < count; position += 1) {
    const bits = flags[position]!;
    let parent = -1;
    if ((bits & FLAG.hasParent) !== 0) {
      parent =
        (bits & HASHED_PARENT) === 0
          ? ids.findKey(parents[position]!, parentLow[position]!)
          : ids.find(spans[position]!.parentSpanId!);
      if (parent >= 0 && kinds[position] === KIND.server) answered[parent] = 1;
      flags[position] = bits & ~HASHED_PARENT;
    }
    parents[position] = parent;
  }
  const collisions = firstOf === undefined ? new Map() : findCollisions(spans, firstOf);
  return {
    traceId,
    spans,
    parents,
    kinds,
    flags,
    services: new Set(serviceIds.keys()),
    serviceOf,
    serviceNames: [...serviceIds.keys()],
    starts,
    ends,
    collisions,
    indexOf: (id) => ids.find(id),
    isAnswered: (position) => answered[firstOf === undefined ? position : firstOf[position]!] === 1,
  };
}

/** A flag bit used only while building: the parent's key is hashed, its string to compare. */
const HASHED_PARENT = 128;

function identity(count: number): Int32Array {
  const positions = new Int32Array(count);
  for (let position = 0; position < count; position += 1) positions[position] = position;
  return positions;
}

/**
 * Span ids to positions: open addressing with linear probing over one typed array at most half
 * full. Each slot is three numbers side by side: the position plus one (0: empty; negated for a
 * hashed key) and the id's key. An id of 16 lower-case hex digits, as every exporter sends, is its
 * own key (its two 32-bit halves), so a lookup never reads a span or a string; any other id is
 * keyed by two hashes and confirmed by comparing the strings.
 */
class IdTable {
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(private readonly spans: readonly SpanRecord[]) {
    let size = 16;
    while (size < spans.length * 2) size *= 2;
    this.table = new Int32Array(size * 3);
    this.mask = size - 1;
  }

  /** Adds the span at `position` (id `id`) unless its id is known; returns the position holding the id. */
  insert(position: number, id: string): number {
    const exact = keyOf(id);
    const { table, mask } = this;
    for (let slot = slotOf() & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      const held = table[at]!;
      if (held === 0) {
        table[at] = exact ? position + 1 : -(position + 1);
        table[at + 1] = keyHigh;
        table[at + 2] = keyLow;
        return position;
      }
      const found = this.match(at, held, exact, id);
      if (found >= 0) return found;
    }
  }

  find(id: string): number {
    const exact = keyOf(id);
    const { table, mask } = this;
    for (let slot = slotOf() & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      const held = table[at]!;
      if (held === 0) return -1;
      const found = this.match(at, held, exact, id);
      if (found >= 0) return found;
    }
  }

  /** `find` for an id of 16 hex digits whose key (its two halves) is already known. */
  findKey(high: number, low: number): number {
    keyHigh = high;
    keyLow = low;
    const { table, mask } = this;
    for (let slot = slotOf() & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      const held = table[at]!;
      if (held === 0) return -1;
      if (held > 0 && table[at + 1] === high && table[at + 2] === low) return held - 1;
    }
  }

  /** The position the slot holds when it holds `id` (whose key is the current one), else -1. */
  private match(at: number, held: number, exact: boolean, id: string): number {
    const table = this.table;
    if (table[at + 1] !== keyHigh || table[at + 2] !== keyLow) return -1;
    if (exact) return held > 0 ? held - 1 : -1;
    return held < 0 && this.spans[-held - 1]!.spanId === id ? -held - 1 : -1;
  }
}

// The key of the last id given to keyOf: module state rather than an object per lookup.
let keyHigh = 0;
let keyLow = 0;

/** Hex digit values by char code; -1 for anything else (upper case included: ids are lower). */
const HEX_VALUES = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit += 1) {
  HEX_VALUES['0123456789abcdef'.charCodeAt(digit)] = digit;
}

/** Sets keyHigh and keyLow for `id`; true when they are the id itself (16 hex digits). */
function keyOf(id: string): boolean {
  if (id.length === 16) {
    let high = 0;
    let low = 0;
    let valid = 0;
    for (let index = 0; index < 8; index += 1) {
      const a = HEX_VALUES[id.charCodeAt(index)] ?? -1;
      const b = HEX_VALUES[id.charCodeAt(index + 8)] ?? -1;
      valid |= a | b;
      high = (high << 4) | (a & 15);
      low = (low << 4) | (b & 15);
    }
    if (valid >= 0) {
      keyHigh = high;
      keyLow = low;
      return true;
    }
  }
  // Two FNV-1a hashes with different seeds; equal keys are confirmed on the strings.
  // An int32 from the start, as the table stores it: an empty id never goes through the imul.
  let first = 0x811c9dc5 | 0;
  let second = 0x01000193;
  for (let index = 0; index < id.length; index += 1) {
    const code = id.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x5bd1e995);
  }
  keyHigh = first;
  keyLow = second;
  return false;
}

/** The home slot of the last key: both halves mixed, so sequential ids spread as random ones. */
function slotOf(): number {
  let hash = Math.imul(keyLow ^ Math.imul(keyHigh, 0x9e3779b1), 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/**
 * The ids two services exported. A span exported twice by its own service (a retry, a re-export
 * with another end time) is one span. `firstOf`: the position of the first span of each id.
 */
function findCollisions(spans: readonly SpanRecord[], firstOf: Int32Array): Map<string, string[]> {
  const collisions = new Map<string, string[]>();
  for (let position = 0; position < spans.length; position += 1) {
    const first = firstOf[position]!;
    if (first === position) continue;
    const known = spans[first]!;
    const span = spans[position]!;
    if (known.service === span.service) continue;
    const services = collisions.get(span.spanId) ?? [known.service];
    if (!services.includes(span.service)) services.push(span.service);
    collisions.set(span.spanId, services);
  }
  return collisions;
}

/** The parent of a span inside its graph, or undefined for a root or a parent nobody exported. */
export function parentOf(graph: TraceGraph, span: SpanRecord): SpanRecord | undefined {
  if (span.parentSpanId === undefined) return undefined;
  const position = graph.indexOf(span.parentSpanId);
  return position < 0 ? undefined : graph.spans[position];
}

/** The parent of the span at `position`, from the graph's index. */
export function parentAt(graph: TraceGraph, position: number): SpanRecord | undefined {
  const parent = graph.parents[position]!;
  return parent < 0 ? undefined : graph.spans[parent];
}

/** Attribute keys, stable semantic conventions first, then the older ones instrumentations still emit. */
const KEYS = {
  port: ['server.port', 'net.peer.port', 'net.host.port'],
  host: ['server.address', 'net.peer.name', 'net.host.name'],
  method: ['http.request.method', 'http.method'],
  url: ['url.full', 'http.url'],
  path: ['url.path', 'http.target', 'http.route'],
} as const;

function first(span: SpanRecord, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = span.attributes[key];
    if (value !== undefined) return String(value);
  }
  return undefined;
}

/** The port a client span called, or the port a server span listened on. */
export function spanPort(span: SpanRecord): number | undefined {
  for (const key of KEYS.port) {
    const value = span.attributes[key];
    // Read for every server span of the run: a number (as exporters send it) is not converted
    // to a string and back.
    if (value !== undefined) return typeof value === 'number' ? value : Number(String(value));
  }
  return undefined;
}

/** The host a client span called, from its attributes. */
export function callHost(span: SpanRecord): string | undefined {
  return first(span, KEYS.host);
}

/** The full URL a client span called, when its attributes tell. */
export function callUrl(span: SpanRecord): string | undefined {
  return first(span, KEYS.url);
}

/** `POST http://127.0.0.1:9002/pay` for a client span, as far as its attributes tell. */
export function describeCall(span: SpanRecord): string {
  const method = first(span, KEYS.method) ?? '';
  const url =
    first(span, KEYS.url) ??
    [first(span, KEYS.host), spanPort(span)].filter((part) => part !== undefined).join(':');
  return `${method} ${url}`.trim() || span.name;
}

/** The path a server span received (`/pay`), when its attributes tell. */
export function serverPath(span: SpanRecord): string | undefined {
  return first(span, KEYS.path)?.split('?')[0];
}

/** `GET /pay` for a server span, as far as its attributes tell. */
export function describeServerCall(span: SpanRecord): string {
  const method = first(span, KEYS.method) ?? '';
  return `${method} ${serverPath(span) ?? span.name}`.trim();
}
