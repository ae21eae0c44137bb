// Heavy suite. Issue 5, part 2: faults in target mode, from dist/ with the runner contract. Each
// ends by itself with the right verdict (`fail`, or `error` where the check cannot run) and a
// diagnosis that says what happened, with the action's process gone and nothing stray on stderr.
// A run's own `timeout` input is at most 30 s, well inside the hang guard, so a run that ignored
// it would be killed and fail; how long a run takes is otherwise not judged (load makes that a
// coin toss). Most runs wait for spans until their `timeout`, which is generous where the fault
// is not about that bound, so load cannot change the verdict: about a minute in all, hence here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertEndedByItself,
  HANG_GUARD_MS,
  runGuarded,
  verdictOf,
} from '../robustness/helpers/dist';
import { FAULT_SCENARIOS } from '../robustness/helpers/scenarios';

describe('target mode under faults', { concurrency: 3 }, () => {
  for (const scenario of FAULT_SCENARIOS) {
    test(`${scenario.name}: ${scenario.verdicts.join(' or ')}, ended by itself`, async (t) => {
      const prepared = await scenario.setup();
      try {
        const run = await runGuarded({ timeout: String(scenario.timeoutS), ...prepared.inputs });
        t.diagnostic(`${run.elapsedMs} ms (timeout ${scenario.timeoutS} s), exit ${run.code}`);
        assertEndedByItself(run);
        const { verdict, error } = verdictOf(run);
        assert.ok(
          (scenario.verdicts as string[]).includes(verdict),
          `verdict ${verdict}: ${error}\n${run.stdout.slice(0, 2000)}`,
        );
        assert.equal(run.code, verdict === 'pass' ? 0 : 1);
        if (verdict !== 'pass') assert.notEqual(error, '', 'one ::error:: line');
        t.diagnostic(error.slice(0, 400));
        await prepared.check(run, t);
      } finally {
        await prepared.cleanup();
      }
    });
  }
});

test('the hang guard is far past every fault scenario timeout', () => {
  for (const scenario of FAULT_SCENARIOS) assert.ok(scenario.timeoutS * 1000 * 3 <= HANG_GUARD_MS);
});
