import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Deadline, TimeoutError } from '../../src/deadline';

describe('Deadline', () => {
  test('race settles with the work when it is in time', async () => {
    assert.equal(await new Deadline(1000).race(Promise.resolve(7), 'seven'), 7);
  });

  // The work never settles: rejecting at all proves race did not wait for it (the test's own
  // timeout only stops a hang).
  test(
    'race rejects naming what it waited for, and does not wait for the work',
    { timeout: 60_000 },
    async () => {
      const never = new Promise<never>(() => {});
      await assert.rejects(new Deadline(50).race(never, 'the answer of X'), (error: unknown) => {
        assert.ok(error instanceof TimeoutError);
        assert.equal(
          error.message,
          "Timed out after 0.05 s (input 'timeout') waiting for the answer of X.",
        );
        return true;
      });
    },
  );

  test('until stops at its cap when the condition never holds', { timeout: 60_000 }, async () => {
    const deadline = new Deadline(600_000);
    assert.equal(await deadline.until(() => false, 30), false);
    assert.ok(deadline.remainingMs() > 0, "stopped at its cap, not at the run's end");
    assert.equal(await new Deadline(10_000).until(() => true, 30), true);
  });

  test("until stops when the run's time is up, whatever its cap", async () => {
    const deadline = new Deadline(20);
    assert.equal(await deadline.until(() => false, 60_000), false);
    assert.equal(deadline.remainingMs(), 0);
  });
});
