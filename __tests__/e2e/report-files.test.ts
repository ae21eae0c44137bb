import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDist, type DistRun } from '../helpers/run-dist';

/**
 * The runner's files can fail to be written (a missing or unwritable GITHUB_OUTPUT or
 * GITHUB_STEP_SUMMARY). Whatever the verdict, the step must then fail with one line saying what
 * could not be written: a report that throws must never end as a passing step (before the fix, a
 * failed verdict whose outputs could not be written exited 0).
 */

function errorLines(run: DistRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::error'));
}

function assertFailedCleanly(run: DistRun): void {
  assert.equal(run.signal, null);
  assert.equal(run.code, 1, `exit code, stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');
}

describe('a report that cannot be written fails the step', { concurrency: true }, () => {
  test('a broken chain whose output file is missing: exit 1, the failure and the write error', async () => {
    const run = await runDist({
      inputs: { hops: '3', fault: 'strip-header', 'fault-hop': '2' },
      missingFile: 'output',
    });
    assertFailedCleanly(run);
    const lines = errorLines(run);
    assert.ok(
      lines.some((line) => /Could not write the step's report: .*Missing file/.test(line)),
      lines.join('\n'),
    );
  });

  test('a broken chain, expected to break, whose output file is missing: still exit 1', async () => {
    const run = await runDist({
      inputs: { hops: '3', fault: 'strip-header', 'fault-hop': '2', expect: 'fail' },
      missingFile: 'output',
    });
    assertFailedCleanly(run);
    assert.equal(errorLines(run).length, 1, errorLines(run).join('\n'));
    assert.match(errorLines(run)[0]!, /Could not write the step's report/);
  });

  test('a passing chain whose summary file is missing: exit 1, naming the summary', async () => {
    const run = await runDist({ missingFile: 'summary' });
    assertFailedCleanly(run);
    assert.equal(run.outputs.verdict, 'pass', 'the outputs were written before the summary');
    const lines = errorLines(run);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /Could not write the step's report: .*summary/i);
  });

  test('a bad input whose output file is missing: the input is named first, then the write error', async () => {
    const run = await runDist({ inputs: { hops: 'abc' }, missingFile: 'output' });
    assertFailedCleanly(run);
    const lines = errorLines(run);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /hops/);
    assert.match(lines[1]!, /Could not write the step's report: .*Missing file/);
  });
});
