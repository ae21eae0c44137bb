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
  /** Ids exported by more than one service in this trace (id collisions), with their services. */
  collisions: ReadonlyMap<string, readonly string[]>;
  /** Position of the first span exported under `id`, or -1. */
  indexOf(id: string): number;
  /** True when a server span names the span at `position` (or its id) as parent: answered. */
  isAnswered(position: number): boolean;
}

export function buildTraceGraph(traceId: string, spans: readonly SpanRecord[]): TraceGraph {
  const ids = new IdTable(spans);
  const count = spans.length;
  // The first span of each id; only differs from the span's own position for a repeated id.
  let firstOf: Int32Array | undefined;
  for (let position = 0; position < count; position += 1) {
    const first = ids.insert(position);
    if (first !== position) (firstOf ??= identity(count))[position] = first;
  }
  const parents = new Int32Array(count);
  // Answered ids that are no span of the trace (the probe's own span) are of no use here: only
  // spans of the trace are asked about.
  const answered = new Uint8Array(count);
  for (let position = 0; position < count; position += 1) {
    const span = spans[position]!;
    const parent = span.parentSpanId === undefined ? -1 : ids.find(span.parentSpanId);
    parents[position] = parent;
    if (parent >= 0 && span.kind === 'server') answered[parent] = 1;
  }
  const collisions = firstOf === undefined ? new Map() : findCollisions(spans, firstOf);
  return {
    traceId,
    spans,
    parents,
    collisions,
    indexOf: (id) => ids.find(id),
    isAnswered: (position) => answered[firstOf === undefined ? position : firstOf[position]!] === 1,
  };
}

function identity(count: number): Int32Array {
  const positions = new Int32Array(count);
  for (let position = 0; position < count; position += 1) positions[position] = position;
  return positions;
}

/**
 * Span ids to positions: open addressing with linear probing over a typed array at most half
 * full, each slot holding a position plus one (0: empty), with each id's hash kept beside it so a
 * probe compares strings only when the hashes agree.
 */
class IdTable {
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly mask: number;

  constructor(private readonly spans: readonly SpanRecord[]) {
    let size = 16;
    while (size < spans.length * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Adds the span at `position` unless its id is known; returns the position holding the id. */
  insert(position: number): number {
    const id = this.spans[position]!.spanId;
    const hash = hashOf(id);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]!;
      if (held === 0) {
        this.slots[slot] = position + 1;
        this.hashes[slot] = hash;
        return position;
      }
      if (this.hashes[slot] === hash && this.spans[held - 1]!.spanId === id) return held - 1;
    }
  }

  find(id: string): number {
    const hash = hashOf(id);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]!;
      if (held === 0) return -1;
      if (this.hashes[slot] === hash && this.spans[held - 1]!.spanId === id) return held - 1;
    }
  }
}

/** FNV-1a over the id's characters, mixed so that the low bits (the slot) depend on all of them. */
function hashOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1) {
    hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193);
  }
  hash ^= hash >>> 15;
  return Math.imul(hash, 0x2c1b3c6d) ^ (hash >>> 12);
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
