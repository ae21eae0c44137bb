// The job summary of both modes, fed with hand-built results: what comes first (the headline for
// each verdict and expectation), which sections appear when, and a JSON result that reads back as
// the result. Structure only: escaping of received text is escape.ts's job.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SelfTestResult } from '../../src/report/result';
import { renderSummary } from '../../src/report/summary';
import type { TargetResult } from '../../src/report/target-result';
import type { SpanRecord } from '../../src/verify/types';
import {
  DIAGNOSIS,
  sampleSpans,
  selfTestResult,
  selfTestVerification,
  targetResult,
} from '../helpers/report-results';

/** The text of the first `<h2>`: the headline. */
function headline(summary: string): string {
  return decodeEntities(/<h2>(.*?)<\/h2>/.exec(summary)?.[1] ?? '(no headline)');
}

/** The text of escaped HTML: the summary encodes `:`, `_` and other markdown-active characters. */
function decodeEntities(html: string): string {
  return html.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The JSON result folded at the end of the summary, parsed back. */
function jsonBlock(summary: string): unknown {
  const match = /```json\n([\s\S]*?)\n```/.exec(summary);
  assert.ok(match, 'a JSON result block');
  return JSON.parse(match[1]!);
}

/** The `<h3>` section titles, in order. */
function sections(summary: string): string[] {
  return [...summary.matchAll(/<h3>(.*?)<\/h3>/g)].map((match) => match[1]!);
}

/** The rows of the table that follows the `<h3>` titled `title` (its header row included). */
function tableRows(summary: string, title: string): number {
  const start = summary.indexOf(`<h3>${title}</h3>`);
  assert.ok(start >= 0, `a ${title} section`);
  const table = summary.slice(start, summary.indexOf('</table>', start));
  return table.split('<tr>').length - 1;
}

function selfTest(broken: boolean, expect: SelfTestResult['expected_verdict'] = 'pass'): string {
  const result = { ...selfTestResult(broken), expected_verdict: expect };
  return renderSummary(result, selfTestVerification(broken));
}

describe('renderSummary (self-test)', () => {
  test('the headline for each verdict and expectation', () => {
    assert.equal(headline(selfTest(false)), '✅ Trace context propagated: service-a → service-b');
    assert.equal(headline(selfTest(true)), '❌ Trace context broken: service-a → service-b');
    assert.match(headline(selfTest(true, 'fail')), /^✅ Negative control failed as expected: /);
    assert.match(headline(selfTest(false, 'fail')), /^❌ Expected a broken trace, but context/);
  });

  test('more than four services: the headline names the ends and the count', () => {
    const result = selfTestResult(false);
    const services = Array.from({ length: 6 }, (_, index) => ({
      ...result.services[0]!,
      name: `service-${index}`,
    }));
    const summary = renderSummary({ ...result, services }, selfTestVerification(false));
    assert.equal(
      headline(summary),
      '✅ Trace context propagated: service-0 → … → service-5 (6 services)',
    );
  });

  test('a pass: the chain diagram, the hops and requests tables, no failed checks', () => {
    const summary = selfTest(false);
    assert.deepEqual(sections(summary), ['Hops', 'Requests']);
    assert.equal(tableRows(summary, 'Hops'), 2);
    assert.match(summary, /```mermaid\nflowchart LR\n {2}probe\(\["probe"\]\)/);
    assert.doesNotMatch(summary, /Failed requests/);
    assert.doesNotMatch(summary, /<ul>/, 'no diagnoses listed');
  });

  test('a failure: the diagnosis listed first, then the failed checks and failed requests', () => {
    const summary = selfTest(true);
    assert.deepEqual(sections(summary), ['Failed checks', 'Hops', 'Requests']);
    assert.ok(summary.indexOf(DIAGNOSIS) < summary.indexOf('<h3>'), 'the diagnosis comes first');
    assert.ok(decodeEntities(summary).includes(`<li>Hop 1: ${DIAGNOSIS}</li>`), summary);
    assert.equal(tableRows(summary, 'Failed checks'), 3);
    assert.match(summary, /<summary>Failed requests \(1\)<\/summary>/);
    assert.match(summary, /<summary>All checks \(2\)<\/summary>/);
  });

  test('the trace diagram of the sample request, left out past 200 spans', () => {
    assert.match(selfTest(true), /<summary>Trace of request 1<\/summary>/);
    const many: SpanRecord[] = Array.from({ length: 201 }, (_, index) => ({
      ...sampleSpans(false)[0]!,
      spanId: index.toString(16).padStart(16, '0'),
    }));
    const summary = renderSummary(selfTestResult(false), selfTestVerification(false, many));
    assert.doesNotMatch(summary, /Trace of request/);
    assert.match(summary, /<summary>Spans of request 1 \(3\)<\/summary>/);
  });

  test('the JSON result reads back as the result', () => {
    for (const broken of [false, true]) {
      assert.deepEqual(jsonBlock(selfTest(broken)), selfTestResult(broken));
    }
  });
});

function target(broken: boolean, changes: Partial<TargetResult> = {}): string {
  return renderSummary({ ...targetResult(broken), ...changes });
}

describe('renderTargetSummary', () => {
  test('the headline for each verdict and expectation', () => {
    const url = 'GET http://127.0.0.1:4001/';
    assert.equal(headline(target(false)), `✅ Trace context propagated behind ${url}`);
    assert.equal(headline(target(true)), `❌ Trace context broken behind ${url}`);
    assert.match(headline(target(true, { expected_verdict: 'fail' })), /^✅ Negative control/);
    assert.match(headline(target(false, { expected_verdict: 'fail' })), /^❌ Expected a broken/);
  });

  test('a failure: the diagnoses first, the findings table with every check, the probes', () => {
    const summary = target(true);
    assert.ok(summary.indexOf(DIAGNOSIS) < summary.indexOf('<h3>'), 'the diagnosis comes first');
    assert.deepEqual(sections(summary), ['Findings', 'Probes']);
    assert.equal(tableRows(summary, 'Findings'), 3);
    assert.match(summary, /❌ fail/);
    assert.match(summary, /<summary>Spans of probe 1 \(3\)<\/summary>/);
  });

  test('the service diagram only when there are edges; the receiver and services seen', () => {
    assert.match(target(false), /```mermaid\nflowchart LR/);
    assert.doesNotMatch(target(false, { edges: [] }), /```mermaid/);
    const summary = target(false, {
      services_seen: [],
      receiver: { http: 'h', grpc: null, spans_over_limit: 0 },
    });
    assert.match(summary, /services seen: \(none\)/);
    assert.doesNotMatch(summary, /\(gRPC\)/);
  });

  test('many probes: a failed check says how many probes failed', () => {
    const result = targetResult(true);
    const summary = target(true, { probes: { ...result.probes, total: 4, failed: 1 } });
    assert.match(summary, /❌ 1\/4 failed/);
  });

  test('the JSON result reads back as the result', () => {
    for (const broken of [false, true]) {
      assert.deepEqual(jsonBlock(target(broken)), targetResult(broken));
    }
  });
});
