import { graphArrays } from './graph-arrays';
import { type ColumnGroup, FLAG, HASHED } from './span-columns';
import { finishGraph, HASHED_PARENT, identity, type TraceGraph } from './trace-graph';
import type { SpanRecord } from './types';

/**
 * `buildTraceGraph` for spans the receiver stored: kinds, flags, times, services and the keys of
 * span and parent ids come from the store's columns, read in order, so no span object is read
 * and no id string parsed (a span object only for an id that is not 16 lower-case hex digits,
 * and for an id that repeats, to name the collision). The same
 * id table and parent lookups as from span objects, so the same graph (see
 * `__tests__/unit/column-graph.test.ts`).
 */
export function columnGraph(
  traceId: string,
  spans: readonly SpanRecord[],
  group: ColumnGroup,
): TraceGraph {
  const count = spans.length;
  const { columns, at } = group;
  const arrays = graphArrays(spans, at === undefined ? columns : undefined);
  const { starts, ends, serviceOf, parents, parentLow, kinds, flags, ids } = arrays;
  const { idKeys, parentKeys } = columns;
  const remap = REMAP.reset(columns.serviceNames.length);
  let firstOf: Int32Array | undefined;
  // Read once: under tsx every imported binding is a getter call, which the loop's size can keep
  // the compiler from inlining (5% of a million-span graph in a profile).
  const [hashedIdBit, hashedParentBit, hasParent, hashedParent] = [
    HASHED.id,
    HASHED.parent,
    FLAG.hasParent,
    HASHED_PARENT,
  ];
  const storedFlags = columns.flags;
  const storedServices = columns.serviceOf;
  for (let position = 0; position < count; position += 1) {
    // A table past the caches: each block's slots read together first (see `IdTable.touch`).
    const ahead = ids.readAheadTo(position, count);
    if (ahead >= 0) ids.touch(idKeys, at, position, ahead);
    const stored = at === undefined ? position : at[position]!;
    const bits = storedFlags[stored]!;
    const key = stored * 2;
    const hashedId = (bits & hashedIdBit) === 0 ? undefined : spans[position]!.spanId;
    const first = ids.insertKey(position, idKeys[key]!, idKeys[key + 1]!, hashedId);
    if (first !== position) (firstOf ??= identity(count))[position] = first;
    serviceOf[position] = remap.of(storedServices[stored]!);
    let graphBits = bits & FLAG_BITS;
    if ((bits & hasParent) !== 0) {
      if ((bits & hashedParentBit) !== 0) graphBits |= hashedParent;
      parents[position] = parentKeys[key]!;
      parentLow[position] = parentKeys[key + 1]!;
    }
    flags[position] = graphBits;
    if (at === undefined) continue;
    // A trace of a many-trace snapshot: its own arrays, gathered.
    kinds[position] = columns.kinds[stored]!;
    starts[position] = columns.starts[stored]!;
    ends[position] = columns.ends[stored]!;
  }
  return finishGraph(traceId, spans, arrays, remap.done(columns.serviceNames), firstOf);
}

/** The bits of the columns' flags a graph keeps. */
const FLAG_BITS = FLAG.sampled | FLAG.notSampled | FLAG.hasParent | FLAG.localParent;

/**
 * The store's service numbers to the graph's, given in order of first appearance in the trace
 * (as the span objects give them). One table for every graph, cleared after each (`done`): up
 * to 1,024 services a typed array, else a map (service names come from the services under
 * test: a store of many costs no large array per graph).
 */
class ServiceRemap {
  private table = new Int32Array(0);
  private map: Map<number, number> | undefined;
  private order: number[] = [];
  private last = -1;
  private lastLocal = -1;

  reset(services: number): this {
    // A graph that threw before `done` (a span missing from its group, say) left its services
    // in the table: cleared here, so that they are not read as this graph's.
    this.clear();
    this.last = -1;
    if (services > 1024) this.map = new Map();
    else {
      this.map = undefined;
      if (this.table.length < services) this.table = new Int32Array(services).fill(-1);
    }
    return this;
  }

  of(service: number): number {
    if (service === this.last) return this.lastLocal;
    this.last = service;
    let local = this.map === undefined ? this.table[service]! : this.map.get(service);
    if (local === undefined || local < 0) {
      local = this.order.push(service) - 1;
      if (this.map === undefined) this.table[service] = local;
      else this.map.set(service, local);
    }
    this.lastLocal = local;
    return local;
  }

  /** The graph's service names; the table cleared for the next graph. */
  done(all: readonly string[]): string[] {
    const names = this.order.map((service) => all[service]!);
    this.clear();
    return names;
  }

  /** The table back to all -1, the map and the order let go. */
  private clear(): void {
    if (this.map === undefined) for (const service of this.order) this.table[service] = -1;
    this.map = undefined;
    this.order = [];
  }
}

const REMAP = new ServiceRemap();
