import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stepFailure, type VerdictFacts } from '../../src/step-failure';

const base: VerdictFacts = {
  verdict: 'pass',
  expected: 'pass',
  subject: 'service-a -> service-b',
  failureMessage: 'Trace context propagation failed. X.',
  unprovenFailure: undefined,
};

describe('stepFailure', () => {
  test('pass expected and seen: the step passes', () => {
    assert.equal(stepFailure(base), undefined);
  });
  test('pass expected, fail seen: the failure message', () => {
    assert.equal(stepFailure({ ...base, verdict: 'fail' }), base.failureMessage);
  });
  test('fail expected, pass seen: the negative control broke nothing', () => {
    assert.match(
      stepFailure({ ...base, expected: 'fail' }) ?? '',
      /^Expected the check to fail \(expect: fail\), but trace context propagated through service-a -> service-b/,
    );
  });
  test('fail expected and seen at the faulted hop: the step passes', () => {
    const facts: VerdictFacts = { ...base, verdict: 'fail', expected: 'fail' };
    assert.equal(stepFailure(facts), undefined);
  });
  test('fail expected and seen, but not at the faulted hop: the step fails', () => {
    const facts: VerdictFacts = {
      ...base,
      verdict: 'fail',
      expected: 'fail',
      unprovenFailure: 'not at hop 2 where the fault strip-header was set',
    };
    assert.match(
      stepFailure(facts) ?? '',
      /^The check failed, but not at hop 2 where the fault strip-header was set, so the negative control proves nothing/,
    );
  });
});
