// The action's outputs in both modes, fed with hand-built results: every output action.yml
// declares is set on pass and on fail alike, and the two modes answer the same questions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { outputsOf } from '../../src/report/outputs';
import type { TargetResult } from '../../src/report/target-result';
import { readActionYml } from '../helpers/action-yml';
import { A_CLIENT, TRACE, selfTestResult, targetResult } from '../helpers/report-results';

const DECLARED = Object.keys(readActionYml().outputs).sort();

describe('outputsOf (self-test)', () => {
  for (const broken of [false, true]) {
    test(`${broken ? 'a failure' : 'a pass'}: every declared output, nothing else`, () => {
      assert.deepEqual(Object.keys(outputsOf(selfTestResult(broken))).sort(), DECLARED);
    });
  }

  test('a pass: the first hop joined the trace, the header it received', () => {
    const result = selfTestResult(false);
    const outputs = outputsOf(result);
    assert.equal(outputs.verdict, 'pass');
    assert.equal(outputs['failed-checks'], '');
    assert.equal(outputs['same-trace'], 'true');
    assert.equal(outputs['parent-matches-traceparent'], 'true');
    assert.equal(outputs['trace-id'], TRACE);
    assert.equal(outputs.traceparent, `00-${TRACE}-${A_CLIENT}-01`);
    assert.deepEqual(JSON.parse(outputs.result!), result);
  });

  test('a failure: the failed checks comma-separated, no header is an empty string', () => {
    const outputs = outputsOf(selfTestResult(true));
    assert.equal(outputs.verdict, 'fail');
    assert.equal(outputs['failed-checks'], 'traceparent_present,same_trace');
    assert.equal(outputs['same-trace'], 'false');
    assert.equal(outputs['parent-matches-traceparent'], 'false');
    assert.equal(outputs.traceparent, '');
  });
});

/** The target result with `entry_joined` and `no_new_roots` passed or failed as given. */
function withChecks(entryJoined: boolean | undefined, noNewRoots: boolean | undefined) {
  const result = targetResult(false);
  const wanted: [string, boolean | undefined][] = [
    ['entry_joined', entryJoined],
    ['no_new_roots', noNewRoots],
  ];
  const checks: TargetResult['checks'] = [];
  for (const [name, passed] of wanted) {
    const row = result.checks.find((c) => c.check === name)!;
    if (passed !== undefined) checks.push({ ...row, passed });
  }
  return { ...result, checks };
}

describe('targetOutputsOf', () => {
  for (const broken of [false, true]) {
    test(`${broken ? 'a failure' : 'a pass'}: the same outputs as the self-test`, () => {
      assert.deepEqual(Object.keys(outputsOf(targetResult(broken))).sort(), DECLARED);
    });
  }

  test('a pass: same trace, the probe header, the result as JSON', () => {
    const result = targetResult(false);
    const outputs = outputsOf(result);
    assert.equal(outputs.verdict, 'pass');
    assert.equal(outputs['same-trace'], 'true');
    assert.equal(outputs['parent-matches-traceparent'], 'true');
    assert.equal(outputs['trace-id'], TRACE);
    assert.equal(outputs.traceparent, `00-${TRACE}-${A_CLIENT}-01`);
    assert.deepEqual(JSON.parse(outputs.result!), result);
  });

  test('same-trace needs both the entry joined and no new roots; a missing check is false', () => {
    const cases: [boolean | undefined, boolean | undefined, string, string][] = [
      [true, true, 'true', 'true'],
      [true, false, 'false', 'true'],
      [false, true, 'false', 'false'],
      [undefined, true, 'false', 'false'],
      [true, undefined, 'false', 'true'],
    ];
    for (const [entry, roots, sameTrace, parentMatches] of cases) {
      const outputs = outputsOf(withChecks(entry, roots));
      const label = `entry_joined ${entry}, no_new_roots ${roots}`;
      assert.equal(outputs['same-trace'], sameTrace, label);
      assert.equal(outputs['parent-matches-traceparent'], parentMatches, label);
    }
  });

  test('a failure: the failed checks; no traceparent sent is an empty string', () => {
    const result = targetResult(true);
    const outputs = outputsOf({ ...result, probe_headers: {} });
    assert.equal(outputs.verdict, 'fail');
    assert.equal(outputs['failed-checks'], 'no_new_roots');
    assert.equal(outputs.traceparent, '');
  });
});
