// Issue 5, part 2: faults in target mode, from dist/ with the runner contract. Each ends with the
// right verdict (`fail`, or `error` where the check cannot run) and a diagnosis that says what
// happened, within `timeout` + 2 s, with the action's process gone and nothing stray on stderr.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertEndedByItself, runWithDeadline, verdictOf } from './helpers/dist';
import { FAULT_SCENARIOS } from './helpers/scenarios';

/** Past the deadline the process is killed: the assertion on elapsed time then reports it. */
const KILL_GRACE_MS = 3_000;

describe('target mode under faults', { concurrency: 3 }, () => {
  for (const scenario of FAULT_SCENARIOS) {
    test(`${scenario.name}: ${scenario.verdicts.join(' or ')} within timeout + 2 s`, async (t) => {
      const prepared = await scenario.setup();
      try {
        const deadlineMs = scenario.timeoutS * 1000 + 2000;
        const run = await runWithDeadline(
          { timeout: String(scenario.timeoutS), ...prepared.inputs },
          deadlineMs + KILL_GRACE_MS,
        );
        t.diagnostic(`${run.elapsedMs} ms (deadline ${deadlineMs} ms), exit ${run.code}`);
        assertEndedByItself(run, deadlineMs);
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
