import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpanStore } from '../../src/receiver/span-store';
import { columnsOf } from '../../src/verify/span-columns';
import type { SpanRecord } from '../../src/verify/types';

function record(service: string, spanId: string, name = 'op'): SpanRecord {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId,
    parentSpanId: undefined,
    parentIsRemote: undefined,
    name,
    kind: 'server',
    service,
    startTimeMs: 0,
    endTimeMs: 1,
    attributes: {},
  };
}

describe('SpanStore', () => {
  test('keeps the first copy of a span and counts the rest as duplicates', () => {
    const store = new SpanStore();
    store.add([record('a', '1111111111111111', 'first'), record('a', '1111111111111111', 'again')]);
    store.add([record('a', '1111111111111111', 'third'), record('b', '2222222222222222')]);
    assert.deepEqual(
      store.spans().map((span) => span.name),
      ['first', 'op'],
    );
    assert.deepEqual(store.services(), ['a', 'b']);
    assert.equal(store.stats().acceptedSpans, 2);
    assert.equal(store.stats().duplicateSpans, 2);
  });

  test('listeners hear only newly stored spans', () => {
    const store = new SpanStore();
    const heard: string[][] = [];
    const stop = store.onSpans((spans) => heard.push(spans.map((span) => span.spanId)));
    store.add([record('a', '1111111111111111')]);
    store.add([record('a', '1111111111111111')]);
    stop();
    store.add([record('a', '2222222222222222')]);
    assert.deepEqual(heard, [['1111111111111111']]);
  });

  test('waitFor: resolves once the services reported and spans stopped for quietMs', async () => {
    const store = new SpanStore();
    const waiting = store.waitFor({ services: ['a', 'b'], quietMs: 50, timeoutMs: 5_000 });
    store.add([record('a', '1111111111111111')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const bAt = Date.now();
    store.add([record('b', '2222222222222222')]);
    const result = await waiting;
    assert.equal(result.outcome, 'satisfied');
    assert.equal(result.satisfied, true);
    assert.deepEqual(result.missingServices, []);
    assert.equal(result.spanCount, 2);
    assert.ok(Date.now() - bAt >= 45, 'waited for the quiet period after the last span');
  });

  test('waitFor: a new span restarts the quiet period', async () => {
    const store = new SpanStore();
    store.add([record('a', '1111111111111111')]);
    const startedAt = Date.now();
    const waiting = store.waitFor({ services: ['a'], quietMs: 80, timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    store.add([record('a', '2222222222222222')]);
    const result = await waiting;
    assert.equal(result.outcome, 'satisfied');
    assert.ok(Date.now() - startedAt >= 120, `only waited ${Date.now() - startedAt} ms`);
  });

  test('waitFor: already satisfied resolves at once', async () => {
    const store = new SpanStore();
    store.add([record('a', '1111111111111111')]);
    const result = await store.waitFor({ services: ['a'], minSpans: 1, timeoutMs: 5_000 });
    assert.equal(result.outcome, 'satisfied');
    assert.ok(result.waitedMs < 1_000);
  });

  test('waitFor: times out with the services still missing', async () => {
    const store = new SpanStore();
    store.add([record('a', '1111111111111111')]);
    const result = await store.waitFor({ services: ['a', 'b'], timeoutMs: 30 });
    assert.equal(result.outcome, 'timeout');
    assert.equal(result.satisfied, false);
    assert.deepEqual(result.missingServices, ['b']);
  });

  test('waitFor: minSpans must be reached', async () => {
    const store = new SpanStore();
    const waiting = store.waitFor({ minSpans: 2, timeoutMs: 5_000 });
    store.add([record('a', '1111111111111111')]);
    store.add([record('a', '2222222222222222')]);
    assert.equal((await waiting).spanCount, 2);
  });

  test('waitFor: an abort signal and close() end the wait', async () => {
    const store = new SpanStore();
    const controller = new AbortController();
    const aborted = store.waitFor({
      services: ['x'],
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    controller.abort();
    assert.equal((await aborted).outcome, 'aborted');
    const closing = store.waitFor({ services: ['x'], timeoutMs: 60_000 });
    store.close();
    assert.equal((await closing).outcome, 'closed');
    assert.equal((await store.waitFor({ timeoutMs: 60_000 })).outcome, 'closed');
  });

  test('waitFor refuses an unbounded wait', () => {
    const store = new SpanStore();
    assert.throws(() => store.waitFor({ timeoutMs: Number.POSITIVE_INFINITY }), RangeError);
  });

  test('rejections are counted, and only the latest 100 are kept', () => {
    const store = new SpanStore();
    const rejected = Array.from({ length: 150 }, (_, index) => ({
      service: 's',
      name: `n${index}`,
      traceId: '',
      spanId: '',
      reason: 'r',
    }));
    store.noteRejected(rejected);
    assert.equal(store.stats().rejectedSpans, 150);
    assert.equal(store.rejectedSpans().length, 100);
    assert.equal(store.rejectedSpans()[0]?.name, 'n50');
  });
});

describe('SpanStore cap', () => {
  test('past maxSpans new spans are refused and counted; duplicates are not refused', () => {
    const store = new SpanStore(2);
    assert.equal(store.add([record('a', '1111111111111111'), record('a', '2222222222222222')]), 0);
    assert.equal(store.room(), 0);
    assert.equal(store.add([record('a', '1111111111111111'), record('b', '3333333333333333')]), 1);
    store.noteOverLimit(5);
    assert.deepEqual(
      store.spans().map((span) => span.spanId),
      ['1111111111111111', '2222222222222222'],
    );
    assert.deepEqual(store.services(), ['a']);
    assert.equal(store.stats().duplicateSpans, 1);
    assert.equal(store.stats().spansOverLimit, 6);
  });

  test('the same span id in two traces is two spans', () => {
    const store = new SpanStore();
    const other = { ...record('a', '1111111111111111'), traceId: 'f'.repeat(32) };
    store.add([record('a', '1111111111111111'), other, other]);
    assert.equal(store.spans().length, 2);
    assert.equal(store.stats().duplicateSpans, 1);
  });

  test('the same ids from two services are two spans (a collision for the verifier to name)', () => {
    const store = new SpanStore();
    store.add([record('a', '1111111111111111'), record('b', '1111111111111111')]);
    store.add([record('b', '1111111111111111', 'resent'), record('c', '1111111111111111')]);
    assert.deepEqual(
      store.spans().map((span) => `${span.service}:${span.name}`),
      ['a:op', 'b:op', 'c:op'],
    );
    assert.equal(store.stats().duplicateSpans, 1);
  });

  test('ids ending in every hex digit (each in its own map) are kept once and found again', () => {
    const store = new SpanStore();
    const ids = [...'0123456789abcdef'].map((digit) => `00f067aa0ba902b${digit}`);
    store.add(ids.map((id) => record('a', id, `first ${id}`)));
    // A resend of each, and the same ids from another service (a collision, kept).
    store.add(ids.map((id) => record('a', id, 'again')));
    store.add(ids.map((id) => record('b', id, `other ${id}`)));
    const stored = store.spans();
    assert.equal(stored.length, 32);
    assert.deepEqual(
      stored.slice(0, 16).map((span) => span.name),
      ids.map((id) => `first ${id}`),
    );
    assert.equal(store.stats().duplicateSpans, 16);
    assert.deepEqual(store.services(), ['a', 'b']);
  });

  test('ids that differ only before their last 8 hex digits (one map key) are distinct spans', () => {
    const store = new SpanStore();
    const ids = ['00000000deadbeef', '11111111deadbeef', 'ffffffffdeadbeef'];
    store.add(ids.map((id) => record('a', id, `first ${id}`)));
    // Resends of the last two, and the first from another service: only that one is new.
    store.add([record('a', ids[2]!, 'again'), record('a', ids[1]!, 'again')]);
    store.add([record('b', ids[0]!, 'other')]);
    assert.deepEqual(
      store.spans().map((span) => `${span.service}:${span.spanId}:${span.name}`),
      [...ids.map((id) => `a:${id}:first ${id}`), `b:${ids[0]}:other`],
    );
    assert.equal(store.stats().duplicateSpans, 2);
    assert.equal(store.stats().acceptedSpans, 4);
  });
  test('the columns never hold room for more than maxSpans spans (no doubling past the cap)', () => {
    for (const maxSpans of [1, 1500, 3000]) {
      const store = new SpanStore(maxSpans);
      const spans = Array.from({ length: maxSpans + 5 }, (_, index) =>
        record('a', (index + 1).toString(16).padStart(16, '0')),
      );
      assert.equal(store.add(spans), 5);
      const columns = columnsOf(store.spans())!;
      assert.equal(columns.length, maxSpans);
      // Doubling from 1,024 allocated 2,048 and 4,096 spans' columns for caps of 1,500 and 3,000.
      for (const column of [columns.kinds, columns.starts, columns.traceOf, columns.ports])
        assert.equal(column.length, maxSpans);
      assert.equal(columns.idKeys.length, 2 * maxSpans);
      assert.equal(columns.parentKeys.length, 2 * maxSpans);
    }
  });

  /**
   * A store holding the first `stored` of 1,026 ids, whose columns cannot grow until `heal()`:
   * they start with room for 1,024 spans, so the 1,025th makes them grow.
   */
  function failingToGrow(stored: number) {
    const store = new SpanStore();
    const ids = Array.from({ length: 1026 }, (_, index) =>
      (index + 1).toString(16).padStart(16, '0'),
    );
    store.add(ids.slice(0, stored).map((id) => record('a', id)));
    const columns = (store as unknown as { columns: { grow(): void } }).columns;
    columns.grow = () => {
      throw new RangeError('Array buffer allocation failed');
    };
    return { store, ids, heal: () => delete (columns as { grow?: unknown }).grow };
  }

  test('a failed allocation as the columns grow stores nothing: spans, index and columns stay in step', () => {
    const { store, ids, heal } = failingToGrow(1024);
    assert.throws(() => store.add([record('a', ids[1024]!, 'late')]), RangeError);
    assert.equal(store.spans().length, 1024);
    assert.equal(columnsOf(store.spans())!.length, 1024);
    assert.equal(store.stats().acceptedSpans, 1024);
    // Once memory is there again, the same span is new (not a duplicate) and lands in step.
    heal();
    store.add([record('a', ids[1024]!, 'late'), { ...record('a', ids[1025]!), kind: 'client' }]);
    assert.equal(store.stats().duplicateSpans, 0);
    const spans = store.spans();
    const stored = columnsOf(spans)!;
    assert.equal(spans.length, 1026);
    for (let position = 1020; position < 1026; position += 1) {
      const id = spans[position]!.spanId;
      assert.equal(id, ids[position]);
      assert.equal(stored.idKeys[2 * position], Number.parseInt(id.slice(0, 8), 16) | 0);
      assert.equal(stored.idKeys[2 * position + 1], Number.parseInt(id.slice(8), 16) | 0);
    }
    assert.equal(spans[1024]!.name, 'late');
    assert.equal(stored.kinds[1025], 2);
    assert.equal(stored.kinds[1024], 1);
  });

  test('an allocation failing at the second new column leaves every column as it was (no half-grown columns)', () => {
    const store = new SpanStore();
    const ids = Array.from({ length: 1025 }, (_, index) =>
      (index + 1).toString(16).padStart(16, '0'),
    );
    store.add(ids.slice(0, 1024).map((id) => record('a', id)));
    const before = columnsOf(store.spans())!;
    // The columns' first room is 1,024 spans: the 1,025th makes them allocate new arrays. The
    // second Int32Array made (the second new column) fails, as an allocation can: a grow that
    // replaced each column as it went would leave the first one grown and the rest not.
    const RealInt32Array = globalThis.Int32Array;
    let made = 0;
    globalThis.Int32Array = new Proxy(RealInt32Array, {
      construct(target, args, newTarget) {
        made += 1;
        if (made === 2) throw new RangeError('Array buffer allocation failed');
        return Reflect.construct(target, args, newTarget) as object;
      },
    });
    try {
      assert.throws(() => store.add([record('a', ids[1024]!)]), RangeError);
    } finally {
      globalThis.Int32Array = RealInt32Array;
    }
    assert.equal(made, 2, 'the first new column was allocated, the second failed');
    const after = columnsOf(store.spans())!;
    assert.equal(after.length, 1024);
    // The very arrays of before: none replaced by a grown one while another failed.
    for (const name of [
      'traceOf',
      'serviceOf',
      'kinds',
      'flags',
      'starts',
      'ends',
      'ports',
      'idKeys',
      'parentKeys',
    ] as const)
      assert.equal(after[name], before[name], name);
    // And they grow once memory is there again.
    store.add([record('a', ids[1024]!)]);
    assert.equal(store.stats().acceptedSpans, 1025);
    assert.equal(columnsOf(store.spans())!.traceOf.length, 2048);
  });

  test('a batch whose columns fail to grow midway: the spans stored before are counted and heard of', () => {
    const { store, ids, heal } = failingToGrow(1023);
    const heard: string[] = [];
    store.onSpans((spans) => heard.push(...spans.map((span) => span.spanId)));
    // The 1,024th span fits in the columns' first room; the 1,025th needs more.
    const batch = [record('a', ids[1023]!), record('a', ids[1024]!)];
    assert.throws(() => store.add(batch), RangeError);
    assert.equal(store.spans().length, 1024);
    assert.equal(store.stats().acceptedSpans, 1024);
    assert.deepEqual(heard, [ids[1023]]);
    heal();
    store.add(batch);
    assert.equal(store.stats().duplicateSpans, 1);
    assert.equal(store.stats().acceptedSpans, 1025);
    assert.deepEqual(heard, [ids[1023], ids[1024]]);
  });

  // Span ids are chosen by the services under test. Scanned as one list per key, 300,000 spans
  // under one key take about 4.5e10 comparisons (many minutes); kept by identity, a second.
  // The bound below is a hang guard, not a speed budget.
  test(
    '300,000 spans under one key (shared last 8 digits, or one id in many traces) add linearly',
    {
      timeout: 120_000,
    },
    () => {
      const count = 150_000;
      const store = new SpanStore(2 * count + 10);
      const shared: SpanRecord[] = [];
      const oneId: SpanRecord[] = [];
      for (let index = 0; index < count; index += 1) {
        shared.push(record('a', `${index.toString(16).padStart(8, '0')}deadbeef`));
        oneId.push({
          ...record('b', 'c0ffee00c0ffee00'),
          traceId: index.toString(16).padStart(32, '0'),
        });
      }
      store.add(shared);
      store.add(oneId);
      // Resends of both kinds are still found, and a new service under a clashing key is new.
      store.add([shared[7]!, oneId[count - 1]!, record('c', shared[9]!.spanId)]);
      const stats = store.stats();
      assert.equal(stats.acceptedSpans, 2 * count + 1);
      assert.equal(stats.duplicateSpans, 2);
      assert.equal(store.spans().at(-1)!.service, 'c');
    },
  );
});
