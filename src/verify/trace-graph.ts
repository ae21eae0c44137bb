import { columnGraph } from './column-graph';
import { graphArrays, type GraphArrays } from './graph-arrays';
import { type IdTable, keyInto } from './id-table';
import { FLAG, groupOf, KIND, kindNumber } from './span-columns';
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

export function buildTraceGraph(traceId: string, spans: readonly SpanRecord[]): TraceGraph {
  // The receiver's spans: from its columns, without reading a span object.
  const group = groupOf(spans);
  if (group !== undefined) return columnGraph(traceId, spans, group);
  const count = spans.length;
  const arrays = graphArrays(spans);
  const { starts, ends, serviceOf, parents, parentLow, kinds, flags, ids } = arrays;
  const serviceIds = new Map<string, number>();
  const serviceNames: string[] = [];
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
      const known = serviceIds.get(lastService);
      if (known !== undefined) lastServiceId = known;
      else {
        lastServiceId = serviceNames.push(lastService) - 1;
        serviceIds.set(lastService, lastServiceId);
      }
    }
    serviceOf[position] = lastServiceId;
    starts[position] = span.startTimeMs;
    ends[position] = span.endTimeMs;
    const sampled = span.sampled;
    let bits = sampled === true ? FLAG.sampled : sampled === false ? FLAG.notSampled : 0;
    if (span.parentIsRemote === false) bits |= FLAG.localParent;
    const parentId = span.parentSpanId;
    if (parentId !== undefined) {
      bits |= FLAG.hasParent | (keyInto(parentId, KEY, 0) ? 0 : HASHED_PARENT);
      parents[position] = KEY[0]!;
      parentLow[position] = KEY[1]!;
    }
    flags[position] = bits;
  }
  return finishGraph(traceId, spans, arrays, serviceNames, firstOf);
}

/**
 * The graph once its arrays are filled (from span objects or from the store's columns): parents
 * resolved, repeated ids named. `firstOf`: the first position of each id, when an id repeats.
 */
export function finishGraph(
  traceId: string,
  spans: readonly SpanRecord[],
  arrays: GraphArrays,
  serviceNames: readonly string[],
  firstOf: Int32Array | undefined,
): TraceGraph {
  const { starts, ends, serviceOf, parents, parentLow, kinds, flags, answered, ids } = arrays;
  resolveParents(ids, parentLow, { spans, kinds, flags, parents, answered });
  const collisions = firstOf === undefined ? NO_COLLISIONS : findCollisions(spans, firstOf);
  return {
    traceId,
    spans,
    parents,
    kinds,
    flags,
    // Asked once per probe (expected_services_present): made then, not kept with the graph.
    get services() {
      return new Set(serviceNames);
    },
    serviceOf,
    serviceNames,
    starts,
    ends,
    collisions,
    indexOf: (id) => ids.find(id),
    isAnswered: (position) => answered[firstOf === undefined ? position : firstOf[position]!] === 1,
  };
}

/** The collisions of every graph that has none: one empty map, never written. */
const NO_COLLISIONS: ReadonlyMap<string, readonly string[]> = new Map();

/** A flag bit used only while building: the parent's key is hashed (compare the strings). */
export const HASHED_PARENT = 128;
/** The key `keyInto` wrote last. */
const KEY = new Int32Array(2);

/**
 * Each parent looked up, from its key: a short loop over typed arrays, whose reads of the table,
 * at random, overlap from span to span (a span object is read again only for a parent id that is
 * not 16 hex digits). Replaces the keys in `parents` by positions, fills `answered`, clears the
 * building bit of `flags`.
 */
function resolveParents(
  ids: IdTable,
  parentLow: Int32Array,
  graph: {
    spans: readonly SpanRecord[];
    kinds: Uint8Array;
    flags: Uint8Array;
    parents: Int32Array;
    answered: Uint8Array;
  },
): void {
  const { spans, kinds, flags, parents, answered } = graph;
  const count = spans.length;
  // Read once, as in `columnGraph`.
  const [hasParent, server] = [FLAG.hasParent, KIND.server];
  for (let position = 0; position < count; position += 1) {
    // A table past the caches: each block's slots read together first (see `IdTable.touch`).
    const ahead = ids.readAheadTo(position, count);
    if (ahead >= 0) ids.touchPairs(parents, parentLow, flags, hasParent, position, ahead);
    const bits = flags[position]!;
    let parent = -1;
    if ((bits & hasParent) !== 0) {
      parent =
        (bits & HASHED_PARENT) === 0
          ? ids.findKey(parents[position]!, parentLow[position]!)
          : ids.find(spans[position]!.parentSpanId!);
      if (parent >= 0 && kinds[position] === server) answered[parent] = 1;
      flags[position] = bits & ~HASHED_PARENT;
    }
    parents[position] = parent;
  }
}

export function identity(count: number): Int32Array {
  const positions = new Int32Array(count);
  for (let position = 0; position < count; position += 1) positions[position] = position;
  return positions;
}

/**
 * The ids two services exported, each with its services in the order first seen. A span exported
 * twice by its own service (a retry, a re-export with another end time) is one span. `firstOf`:
 * the position of the first span of each id. Services are gathered in sets: ids and service
 * names come from the services under test, and one id sent by many services must not make this
 * quadratic.
 */
function findCollisions(spans: readonly SpanRecord[], firstOf: Int32Array): Map<string, string[]> {
  const gathered = new Map<string, Set<string>>();
  for (let position = 0; position < spans.length; position += 1) {
    const first = firstOf[position]!;
    if (first === position) continue;
    const known = spans[first]!;
    const span = spans[position]!;
    if (known.service === span.service) continue;
    let services = gathered.get(span.spanId);
    if (services === undefined) gathered.set(span.spanId, (services = new Set([known.service])));
    services.add(span.service);
  }
  const collisions = new Map<string, string[]>();
  for (const [id, services] of gathered) collisions.set(id, [...services]);
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

/**
 * Port keys by the kind of span. In the old HTTP conventions (instrumentations before their
 * stable-semconv switch), a server span names the port it listens on as `net.host.port` and its
 * caller's ephemeral port as `net.peer.port`: a server span's port is never `net.peer.port`.
 * Any other span names the port it called as `net.peer.port`; `net.host.port` stays its last
 * resort, as it always was, so that a span naming no other port keeps the port it had (a
 * client or messaging span that names only its own side's port).
 */
const SERVER_PORT_KEYS = ['server.port', 'net.host.port'] as const;
const CALL_PORT_KEYS = ['server.port', 'net.peer.port', 'net.host.port'] as const;

/** The port a client span called, or the port a server span listened on. */
export function spanPort(span: SpanRecord): number | undefined {
  for (const key of span.kind === 'server' ? SERVER_PORT_KEYS : CALL_PORT_KEYS) {
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
