// The receiver's columns (src/receiver/stored-columns.ts) and the graphs the
// verifier builds from them (src/verify/column-graph.ts): the same answers as the span objects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpanStore } from '../../src/receiver/span-store';
import { IdTable } from '../../src/verify/id-table';
import { columnsOf, groupOf } from '../../src/verify/span-columns';
import { groupByTrace } from '../../src/verify/spans';
import { verifyTarget, type TargetProbe } from '../../src/verify/target';
import { buildTraceGraph, type TraceGraph } from '../../src/verify/trace-graph';
import type { SpanRecord } from '../../src/verify/types';

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function portAttribute(next: () => number): SpanRecord['attributes'] {
  const port = 9000 + Math.floor(next() * 5);
  const pick = next();
  if (pick < 0.1) return {};
  if (pick < 0.15) return { 'net.host.port': String(port) };
  if (pick < 0.18) return { 'server.port': 'none' };
  return { 'server.port': port };
}

const hex = (value: number, digits: number): string =>
  value.toString(16).padStart(digits, '0').slice(-digits);

/**
 * Traces of server and client spans in a shuffled order (children before their parents, as
 * exporters send them), with what breaks a trace: missing parents, a span id exported by two
 * services, resends, a span its own parent, ids that are not 16 hex digits, unsampled spans.
 */
function spanSet(seed: number, traces: number, perTrace: number): SpanRecord[] {
  const next = random(seed);
  const spans: SpanRecord[] = [];
  for (let trace = 0; trace < traces; trace += 1) {
    const traceId = hex(seed * 1000 + trace + 1, 32);
    const ids: string[] = [];
    for (let index = 0; index < perTrace; index += 1) {
      const id = next() < 0.02 ? `x${index}` : hex(Math.floor(next() * 2 ** 48) + index, 16);
      const parent =
        index === 0
          ? 'aaaaaaaaaaaaaaaa'
          : next() < 0.05
            ? hex(Math.floor(next() * 2 ** 40), 16)
            : next() < 0.02
              ? id
              : ids[Math.floor(next() * ids.length)];
      ids.push(id);
      const kind = index % 2 === 0 ? 'server' : next() < 0.9 ? 'client' : 'internal';
      const sampled = next() < 0.05 ? false : next() < 0.1 ? undefined : true;
      spans.push({
        traceId,
        spanId: id,
        parentSpanId: parent,
        parentIsRemote: kind === 'server' ? true : next() < 0.5 ? false : undefined,
        sampled,
        name: 'GET',
        kind,
        service: `svc-${Math.floor(next() * 5)}`,
        startTimeMs: 1000 + index,
        endTimeMs: 2000 - index,
        // Ports as exporters send them: a number, a string (even a bad one), or none.
        attributes: portAttribute(next),
      });
    }
  }
  // Collisions: another service's span with an earlier span's ids; resends: the same span again.
  for (let index = 0; index < spans.length; index += 37) {
    spans.push({ ...spans[index]!, service: 'other', endTimeMs: spans[index]!.endTimeMs + 1 });
    spans.push({ ...spans[index]! });
  }
  // Shuffled in place (Fisher-Yates), so children often come before their parents.
  for (let index = spans.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [spans[index], spans[other]] = [spans[other]!, spans[index]!];
  }
  return spans;
}

function stored(spans: readonly SpanRecord[], batch = 50): SpanStore {
  const store = new SpanStore(Number.MAX_SAFE_INTEGER);
  for (let index = 0; index < spans.length; index += batch)
    store.add(spans.slice(index, index + batch));
  return store;
}

/** Everything a check reads of a graph, as plain values. */
function shape(graph: TraceGraph, ids: readonly string[]): unknown {
  return {
    parents: [...graph.parents],
    kinds: [...graph.kinds],
    flags: [...graph.flags],
    serviceOf: [...graph.serviceOf],
    serviceNames: graph.serviceNames,
    services: [...graph.services],
    starts: [...graph.starts],
    ends: [...graph.ends],
    collisions: [...graph.collisions],
    answered: graph.spans.map((_, position) => graph.isAnswered(position)),
    indexOf: ids.map((id) => graph.indexOf(id)),
  };
}

function assertSameGraphs(snapshot: SpanRecord[]): void {
  assert.ok(columnsOf(snapshot) !== undefined, 'a store snapshot carries its columns');
  const byColumns = groupByTrace(snapshot);
  const byObjects = groupByTrace([...snapshot]);
  assert.deepEqual([...byColumns.keys()], [...byObjects.keys()], 'the same traces, in order');
  const ids = [...snapshot.map((s) => s.spanId), 'aaaaaaaaaaaaaaaa', 'ffffffffffffffff'];
  for (const [traceId, group] of byColumns) {
    const plain = byObjects.get(traceId)!;
    assert.deepEqual(group, plain, 'the same spans, in order');
    assert.ok(groupOf(group) !== undefined, 'the group reads the columns');
    const fromColumns = buildTraceGraph(traceId, group);
    const fromObjects = buildTraceGraph(traceId, [...plain]);
    assert.deepEqual(shape(fromColumns, ids), shape(fromObjects, ids), traceId);
  }
}

function probesOf(spans: readonly SpanRecord[]): TargetProbe[] {
  const traces = [...new Set(spans.map((s) => s.traceId))];
  return traces.slice(0, -1).map((traceId, index) => ({
    index: index + 1,
    traceId,
    spanId: 'aaaaaaaaaaaaaaaa',
    startMs: 999,
    endMs: 2001,
    status: 200,
    error: undefined,
  }));
}

/** The verdict from the store's columns is the verdict from a plain copy (the object path). */
function assertSameVerdicts(
  snapshot: readonly SpanRecord[],
  probes: TargetProbe[],
  label: string,
): void {
  const input = (all: readonly SpanRecord[]) => ({
    probes,
    spans: all,
    expectServices: ['svc-0', 'svc-9'],
    header: 'traceparent',
  });
  assert.equal(
    JSON.stringify(verifyTarget(input(snapshot))),
    JSON.stringify(verifyTarget(input([...snapshot]))),
    label,
  );
}

describe('span columns', () => {
  test('many traces, shuffled, with collisions, resends and dangling parents: the same graphs and verdicts', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const spans = spanSet(seed, 12, 60);
      const snapshot = stored(spans).spans();
      assertSameGraphs(snapshot);
      assertSameVerdicts(snapshot, probesOf(spans), `seed ${seed}`);
    }
  });

  test('one trace, whole snapshot: its columns are the graph, the same as the span objects', () => {
    const snapshot = stored(spanSet(9, 1, 3000), 512).spans();
    assert.ok(groupOf(snapshot) !== undefined);
    assertSameGraphs(snapshot);
  });

  test('one trace whose id table is past the caches (blocks of slots read ahead): the same graph and verdict', () => {
    // 50,000 spans and more: a table past the caches (TOUCH_FROM_SLOTS slots), so the inserts and
    // the parent lookups read each block's slots ahead (IdTable.touch).
    const spans = spanSet(13, 1, 50_000);
    assert.ok(new IdTable(spans).readsAhead, 'the table reads its slots ahead');
    const snapshot = stored(spans, 512).spans();
    assert.ok(groupOf(snapshot) !== undefined);
    assertSameGraphs(snapshot);
    const probes = [{ ...probesOf([...spans, { ...spans[0]!, traceId: 'e'.repeat(32) }])[0]! }];
    assertSameVerdicts(snapshot, probes, 'one large trace');
  });

  test('a graph that threw before its end leaves no service numbers to the next graph', () => {
    const span = (traceId: string, spanId: string, service: string): SpanRecord => ({
      traceId,
      spanId,
      parentSpanId: undefined,
      parentIsRemote: undefined,
      sampled: true,
      name: 'GET',
      kind: 'server',
      service,
      startTimeMs: 1,
      endTimeMs: 2,
      attributes: {},
    });
    const [first, second] = ['a'.repeat(32), 'b'.repeat(32)];
    const snapshot = stored([
      span(first, 'a000000000000001', 'svc-3'),
      // Not 16 hex digits: its group's span object is read for its id.
      span(first, 'not-hex', 'svc-4'),
      span(second, 'b000000000000001', 'svc-1'),
      span(second, 'b000000000000002', 'svc-3'),
    ]).spans();
    const groups = groupByTrace(snapshot);
    const broken = groups.get(first)! as SpanRecord[];
    // A group whose span is missing: the graph throws halfway, after numbering svc-3.
    broken[1] = undefined as unknown as SpanRecord;
    assert.throws(() => buildTraceGraph(first, broken), TypeError);
    const graph = buildTraceGraph(second, groups.get(second)!);
    assert.deepEqual(graph.serviceNames, ['svc-1', 'svc-3']);
    assert.deepEqual([...graph.serviceOf], [0, 1]);
  });

  test('a snapshot taken before a parent came keeps it unresolved; the next one resolves it', () => {
    const child: SpanRecord = {
      traceId: 'b'.repeat(32),
      spanId: 'c000000000000002',
      parentSpanId: 'c000000000000001',
      parentIsRemote: true,
      name: 'GET',
      kind: 'server',
      service: 'payment',
      startTimeMs: 2,
      endTimeMs: 3,
      attributes: {},
    };
    const parent: SpanRecord = {
      ...child,
      spanId: 'c000000000000001',
      parentSpanId: undefined,
      kind: 'client',
      service: 'checkout',
    };
    const store = stored([child]);
    const before = store.spans();
    store.add([parent]);
    const after = store.spans();
    assert.deepEqual([...buildTraceGraph(child.traceId, before).parents], [-1]);
    assert.deepEqual([...buildTraceGraph(child.traceId, after).parents], [1, -1]);
    assert.equal(buildTraceGraph(child.traceId, after).isAnswered(1), true);
    assertSameGraphs(before);
    assertSameGraphs(after);
  });

  test('ids chosen to clash on their last 8 digits: the same verdict from the columns', () => {
    // 40 spans sharing an id's last 8 digits, in 40 traces: past the short list, a clash map.
    const spans: SpanRecord[] = [];
    for (let index = 0; index < 40; index += 1) {
      spans.push({
        traceId: hex(index + 1, 32),
        spanId: `${hex(index, 8)}12345678`,
        parentSpanId: `${hex(index + 1, 8)}12345678`,
        parentIsRemote: true,
        name: 'GET',
        kind: 'server',
        service: 'svc',
        startTimeMs: 1,
        endTimeMs: 2,
        attributes: {},
      });
    }
    const snapshot = stored(spans).spans();
    assertSameGraphs(snapshot);
    const input = (all: readonly SpanRecord[]) => ({
      probes: probesOf(spans),
      spans: all,
      expectServices: ['svc'],
      header: 'traceparent',
    });
    assert.equal(
      JSON.stringify(verifyTarget(input(snapshot))),
      JSON.stringify(verifyTarget(input([...snapshot]))),
    );
  });

  test('an array changed after the snapshot is read from its span objects', () => {
    const snapshot = stored(spanSet(11, 2, 20)).spans();
    snapshot.pop();
    assert.equal(columnsOf(snapshot), undefined);
  });
});
