// The console report and the failed step's one line, for both modes, fed with hand-built results.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consoleReport } from '../../src/report/console';
import { failureMessage, type SelfTestResult } from '../../src/report/result';
import {
  DIAGNOSIS,
  NEW_TRACE,
  TRACE,
  selfTestResult,
  targetResult,
} from '../helpers/report-results';

/** The result as if `requests` requests ran and `failed` of them broke the hop. */
function manyRequests(result: SelfTestResult, requests: number, failed: number): SelfTestResult {
  return {
    ...result,
    requests: { ...result.requests, total: requests, failed, passed: requests - failed },
    hops: result.hops.map((hop) => ({
      ...hop,
      requests_failed: failed,
      requests_passed: requests - failed,
    })),
    checks: result.checks.map((check) => ({
      ...check,
      requests_failed: check.passed ? 0 : failed,
      requests_passed: check.passed ? requests : requests - failed,
    })),
  };
}

describe('consoleReport', () => {
  test('a pass: the verdict line, last, names the chain; the hop is ok, every check is listed', () => {
    const lines = consoleReport(selfTestResult(false)).split('\n');
    // The verdict comes last: in a terminal it is what stays on screen.
    assert.equal(
      lines.at(-1),
      'PASS: trace context propagated through service-a (http://127.0.0.1:4001/) -> service-b (http://127.0.0.1:4002/)',
    );
    assert.match(lines[0]!, /client: got {3}fault: none {3}expect: pass/);
    assert.match(lines[1]!, /^requests: 1\/1 passed at concurrency 1; latency p50 3 ms/);
    assert.equal(lines[2], `sample request 1, trace id ${TRACE}`);
    assert.equal(lines[3], 'hop 1 service-a -> service-b: ok');
    assert.equal(lines.filter((line) => line.startsWith('  ✓ ')).length, 2);
    assert.equal(lines.filter((line) => line.startsWith('  ✗ ')).length, 0);
  });

  test('a failure: the hop line carries the diagnosis, the failed checks their two values', () => {
    const text = consoleReport(selfTestResult(true));
    assert.match(text, /\nFAIL: trace context broken in service-a[^\n]*$/);
    assert.match(text, /fault: strip-header at hop 1/);
    assert.ok(text.includes(`hop 1 service-a -> service-b: ${DIAGNOSIS}`), text);
    assert.ok(text.includes(`  ✗ service-b joined the trace of service-a\n`), text);
    assert.ok(text.includes(`      expected ${TRACE}\n      observed ${NEW_TRACE}`), text);
  });

  test('many requests: the hop and each check say how many requests failed', () => {
    const text = consoleReport(manyRequests(selfTestResult(true), 10, 3));
    assert.ok(text.includes(`${DIAGNOSIS} [3 of 10 requests failed]`), text);
    assert.ok(text.includes('  ✗ service-b joined the trace of service-a (3/10 failed)'), text);
  });

  test('past 40 checks only the failed ones are listed, with a count of the rest', () => {
    const base = selfTestResult(true);
    const checks = Array.from({ length: 45 }, (_, index) => ({
      ...base.checks[1]!,
      check: `check_${index}`,
      title: `check ${index}`,
      passed: index !== 7,
    }));
    const lines = consoleReport({ ...base, checks }).split('\n');
    assert.ok(lines.includes('44 checks passed; the failed ones:'), lines.join('\n'));
    assert.deepEqual(
      lines.filter((line) => /^ {2}[✓✗] /.test(line)),
      ['  ✗ check 7'],
    );
    const allPassed = consoleReport({
      ...base,
      checks: checks.map((check) => ({ ...check, passed: true })),
    });
    assert.ok(allPassed.includes('all 45 checks passed'), allPassed);
    assert.doesNotMatch(allPassed, /^ {2}[✓✗] /m);
  });
});

describe('failureMessage', () => {
  test('one line: the diagnosis once, then each failed check with its hop and two values', () => {
    const result = selfTestResult(true);
    const message = failureMessage({ ...result, hops: [...result.hops, ...result.hops] });
    assert.doesNotMatch(message, /\n/);
    assert.match(message, /^Trace context propagation failed\. /);
    assert.equal(message.split(DIAGNOSIS).length, 2, 'the diagnosis appears once');
    assert.ok(
      message.endsWith(
        `Failed checks: traceparent_present (hop 1): expected a traceparent header, observed (none); same_trace (hop 1): expected ${TRACE}, observed ${NEW_TRACE}.`,
      ),
      message,
    );
  });

  test('many requests: how many failed, and which request the values come from', () => {
    const message = failureMessage(manyRequests(selfTestResult(true), 10, 3));
    assert.match(message, /3 of 10 requests failed; request 1:/);
  });
});

describe('consoleReport (target)', () => {
  test('a pass: the verdict line last names the target, every check is listed', () => {
    const lines = consoleReport(targetResult(false)).split('\n');
    assert.equal(
      lines.at(-1),
      'PASS: one unbroken trace per probe through GET http://127.0.0.1:4001/',
    );
    assert.match(
      lines[0]!,
      /^receiver: http:\/\/127\.0\.0\.1:4318, .* \(gRPC\) {3}services seen: /,
    );
    assert.match(lines[2]!, /^sample probe 1: traceparent: 00-/);
    assert.equal(lines.filter((line) => line.startsWith('  ✓ ')).length, 2);
    assert.equal(lines.filter((line) => line.startsWith('  ! ')).length, 0);
  });

  test('a failure: each diagnosis on its own line, the failed check marked', () => {
    const result = targetResult(true);
    const lines = consoleReport({ ...result, services_seen: [] }).split('\n');
    assert.match(
      lines.at(-1)!,
      /^FAIL: trace context broken behind GET http:\/\/127\.0\.0\.1:4001\//,
    );
    assert.match(lines[0]!, /services seen: \(none\)$/);
    assert.ok(lines.includes(`  ! ${DIAGNOSIS}`), lines.join('\n'));
    assert.ok(lines.includes('  ✗ no service started a new trace'), lines.join('\n'));
  });

  test('many probes: each check says how many failed; no gRPC receiver, none named', () => {
    const result = targetResult(true);
    const text = consoleReport({
      ...result,
      receiver: { ...result.receiver, grpc: null },
      probes: { ...result.probes, total: 5, failed: 2, passed: 3 },
    });
    assert.ok(text.includes('  ✗ no service started a new trace (1/5 failed)'), text);
    assert.doesNotMatch(text, /gRPC/);
  });
});

describe('targetFailureMessage', () => {
  test('one line: the diagnoses, then each failed check with its two values', () => {
    const message = failureMessage(targetResult(true));
    assert.doesNotMatch(message, /\n/);
    assert.equal(
      message,
      `Trace context propagation failed in the target. ${DIAGNOSIS} Failed checks: no_new_roots: expected no new roots, observed service-b.`,
    );
  });

  test('many probes: how many failed, and which probe the values come from', () => {
    const result = targetResult(true);
    const message = failureMessage({
      ...result,
      probes: { ...result.probes, total: 4, failed: 2, passed: 2 },
    });
    assert.match(message, /2 of 4 probes failed; probe 1:/);
  });
});
