// Issue 5, part 4: the action never hangs. One test runs every failure path of parts 1 and 2 from
// dist/ (every target-mode fault, and one refused value per input) and checks that each process
// is gone by its deadline: timeout + 2 s for a run, and 1 + 2 s for a refused input (nothing
// starts, so no timeout applies). At the deadline the process is SIGKILLed: a hang fails the test
// with its name, it never stalls it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePorts } from '../target/harness';
import { assertEndedByItself, runWithDeadline, verdictOf, type DistRun } from './helpers/dist';
import { HOSTILE, valueOf, type Env } from './helpers/hostile';
import { FAULT_SCENARIOS, type Verdict } from './helpers/scenarios';
import { refusedPort } from './helpers/targets';

/** Runs in flight at once: enough to finish quickly, few enough that 2 cores keep the deadlines. */
const PARALLEL = 3;
const INPUT_DEADLINE_MS = 3_000;

interface Path {
  name: string;
  deadlineMs: number;
  verdicts: Verdict[];
  run(): Promise<DistRun>;
}

test(
  'every failure path ends by its deadline, SIGKILLed (and failed) otherwise',
  { timeout: 240_000 },
  async (t) => {
    const env: Env = { refused: await refusedPort(), free: (await freePorts(1))[0]! };
    const paths: Path[] = [];

    for (const scenario of FAULT_SCENARIOS) {
      const deadlineMs = scenario.timeoutS * 1000 + 2000;
      paths.push({
        name: scenario.name,
        deadlineMs,
        verdicts: scenario.verdicts,
        run: async () => {
          const prepared = await scenario.setup();
          try {
            return await runWithDeadline(
              { timeout: String(scenario.timeoutS), ...prepared.inputs },
              deadlineMs,
            );
          } finally {
            await prepared.cleanup();
          }
        },
      });
    }
    // The first value of each input that src/ refuses today (the todo ones are bugs on record).
    const seen = new Set<string>();
    for (const hostile of HOSTILE) {
      if (hostile.todo !== undefined || seen.has(hostile.input)) continue;
      seen.add(hostile.input);
      paths.push({
        name: `input ${hostile.input}: ${hostile.label}`,
        deadlineMs: INPUT_DEADLINE_MS,
        verdicts: ['error'],
        run: () =>
          runWithDeadline(
            { ...hostile.context?.(env), [hostile.input]: valueOf(hostile, env) },
            INPUT_DEADLINE_MS,
          ),
      });
    }

    const problems: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const path = paths[next++]!;
        try {
          const run = await path.run();
          assertEndedByItself(run, path.deadlineMs);
          const { verdict } = verdictOf(run);
          assert.ok((path.verdicts as string[]).includes(verdict), `verdict ${verdict}`);
          assert.equal(run.code, verdict === 'pass' ? 0 : 1);
          t.diagnostic(`${path.name}: gone after ${run.elapsedMs} of ${path.deadlineMs} ms`);
        } catch (error) {
          problems.push(`${path.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    t.diagnostic(`${paths.length} failure paths run`);
    assert.deepEqual(problems, [], problems.join('\n\n'));
  },
);
