// The call index of rules 1 and 2 (attribution-call-index.ts) promises sorted levels "each at least
// twice the size of the next", so that a search visits O(log n) levels. Batches that shrink one by
// one (traces attached one per break, each with one unanswered call fewer than the last) must not
// leave one level per batch: 400 such batches once made 400 levels, and 80,600 breaks searching
// them cost 22 to 28 s of CPU instead of 2.3 to 2.7 s (review of s20-calls, load 4 to 5).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addCalls,
  searchCalls,
  type CallIndex,
  type Entry,
} from '../../src/verify/attribution-call-index';
import { span } from '../helpers/target-spans';

function batch(first: number, count: number): Entry[] {
  const entries: Entry[] = [];
  for (let order = first; order < first + count; order += 1) {
    const client = span('payment', 'client', order.toString(16).padStart(16, '0'), 'p', [
      order,
      1e9,
    ]);
    entries.push({
      call: { client, probe: 0, external: false },
      start: order,
      probe: 0,
      order,
      service: 0,
    });
  }
  return entries;
}

test('batches of 400, 399, ..., 1 calls: levels that halve, O(log n) of them, every call found', () => {
  const index: CallIndex = { levels: [] };
  let added = 0;
  for (let size = 400; size >= 1; size -= 1) {
    addCalls(index, batch(added, size));
    added += size;
  }
  const sizes = index.levels.map((level) => level.entries.length);
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    added,
  );
  assert.ok(sizes.length <= Math.log2(added) + 1, `${sizes.length} levels for ${added} calls`);
  for (let at = 1; at < sizes.length; at += 1) {
    assert.ok(sizes[at - 1]! >= 2 * sizes[at]!, `level sizes ${sizes.join(', ')}`);
  }
  // The answers stay the walk's: the nearest start, whichever level holds it.
  for (const at of [0, 399.4, 40_000.6, added - 1]) {
    const query = {
      at,
      skew: 1,
      exclude: -1,
      best: undefined as Entry | undefined,
      distance: Infinity,
      check: () => 'accepted' as const,
    };
    searchCalls(index, query);
    assert.equal(query.best?.start, Math.round(at));
  }
});
