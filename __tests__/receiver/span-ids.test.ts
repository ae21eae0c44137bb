// The protobuf decoder's shared span id strings (`SpanIds`): whatever the table holds, each id
// reads as `hexId` would make it (sharing a string is for memory only, never for what it reads).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { hexId, SpanIds } from '../../src/receiver/hex-id';

test('every id reads as hexId makes it, through slot clashes and repeats; other lengths too', () => {
  // 6,000 ids in 1,024 slots: most slots are overwritten many times over.
  const body = randomBytes(8 * 6000 + 16 + 3);
  const ids = new SpanIds(body);
  for (let round = 0; round < 2; round += 1)
    for (let at = 0; at < 8 * 6000; at += 8)
      assert.equal(ids.at(at, at + 8), hexId(body, at, at + 8));
  // Ids differing in one byte only (either half) are never confused.
  const near = Buffer.from('00112233445566770011223344556676', 'hex');
  const nearIds = new SpanIds(near);
  assert.equal(nearIds.at(0, 8), '0011223344556677');
  assert.equal(nearIds.at(8, 16), '0011223344556676');
  assert.equal(nearIds.at(0, 8), '0011223344556677');
  // Ids in one slot that share one half (found by search for this table's hash): only the other
  // half tells them apart, so a table comparing one half would read the first id twice.
  for (const [first, second] of [
    ['0011223344556677', '00112233000004ca'],
    ['0011223344556677', '0000010244556677'],
  ] as const) {
    const pair = new SpanIds(Buffer.from(first + second + first, 'hex'));
    assert.equal(pair.at(0, 8), first);
    assert.equal(pair.at(8, 16), second);
    assert.equal(pair.at(16, 24), first);
  }
  const all = Buffer.alloc(16);
  assert.equal(new SpanIds(all).at(0, 8), '0000000000000000');
  assert.equal(ids.at(8 * 6000, 8 * 6000 + 16), hexId(body, 8 * 6000, 8 * 6000 + 16));
  assert.equal(ids.at(8 * 6000 + 16, 8 * 6000 + 19), hexId(body, 8 * 6000 + 16, 8 * 6000 + 19));
  assert.equal(ids.at(0, 0), '');
});
