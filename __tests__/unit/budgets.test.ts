import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config';
import {
  describeLeftOut,
  fitToBudget,
  RESULT_MAX_BYTES,
  SUMMARY_MAX_BYTES,
  utf8Bytes,
} from '../../src/report/budgets';
import { consoleReport } from '../../src/report/console';
import { buildSelfTestResult } from '../../src/report/self-test-result';
import { renderSummary } from '../../src/report/summary';
import { buildTargetResult } from '../../src/report/target-result';
import { verifyPropagation } from '../../src/verify/header-checks/requests';
import { A_SERVER, brokenHop, input, request, span } from '../helpers/spans';
import { PROBE_SPAN, probeSpan, targetOutcome } from '../helpers/target-outcome';

/** A name that grows the most when escaped for HTML, at the name cap. */
const FAT_NAME = `<&"'>|\`*_[]`.repeat(20);

describe('fitToBudget', () => {
  const list = Array.from({ length: 1000 }, (_, i) => `item ${i}`);
  const cut = (items: string[], limit: number): string[] => items.slice(0, limit);
  const render = (items: string[]): string => items.join('\n');

  test('a value that fits is rendered once, whole', () => {
    let renders = 0;
    const fitted = fitToBudget(list, list.length, cut, (v) => (renders++, render(v)), 1e9);
    assert.equal(renders, 1);
    assert.equal(fitted.value.length, 1000);
  });
  test('otherwise the longest cut that fits', () => {
    const budget = utf8Bytes(render(list.slice(0, 321)));
    const fitted = fitToBudget(list, list.length, cut, render, budget);
    assert.equal(fitted.value.length, 321);
    assert.ok(utf8Bytes(fitted.text) <= budget);
  });
  test('when nothing fits, the empty cut', () => {
    const fitted = fitToBudget(list, list.length, cut, (v) => `header\n${render(v)}`, 3);
    assert.deepEqual(fitted.value, []);
  });
  test('describeLeftOut names only what was left out', () => {
    assert.equal(describeLeftOut({ spans: 0, failed_probes: 0 }), undefined);
    assert.equal(
      describeLeftOut({ spans: 12345, failed_probes: 2 }),
      '12,345 spans, 2 failed probes',
    );
  });
});

/** A target trace of `count` spans under the entry, all with fat names, from `services` services. */
function hugeTargetOutcome(count: number, services = 3): ReturnType<typeof targetOutcome> {
  const entry = probeSpan('entry', 'GET /', 'e000000000000001', PROBE_SPAN);
  const spans = Array.from({ length: count }, (_, index) =>
    probeSpan(
      `svc-${index % services} ${FAT_NAME}`,
      `${index} ${FAT_NAME}`,
      index.toString(16).padStart(16, '1'),
      index % 2 === 0 ? 'e000000000000001' : undefined,
      'internal',
    ),
  );
  return targetOutcome([entry, ...spans], { status: 500 });
}

describe('target mode within the budgets', () => {
  test('a few spans: nothing left out, no note', () => {
    const result = buildTargetResult(hugeTargetOutcome(10));
    assert.deepEqual(result.left_out, {
      spans: 0,
      failed_probes: 0,
      diagnoses: 0,
      edges: 0,
      services_seen: 0,
    });
    assert.doesNotMatch(renderSummary(result), /Not listed below/);
  });

  for (const [spans, services] of [
    [20_000, 3],
    [8_000, 8_000],
  ] as const) {
    test(`${spans} spans from ${services} services: result and summary fit, saying what is left out`, () => {
      const outcome = hugeTargetOutcome(spans, services);
      const result = buildTargetResult(outcome);
      const json = JSON.stringify(result);
      assert.ok(utf8Bytes(json) <= RESULT_MAX_BYTES, `result ${utf8Bytes(json)} bytes`);
      assert.ok(result.spans.length > 100, 'as many spans as fit are kept');
      assert.equal(result.spans.length + result.left_out.spans, spans + 1);
      assert.equal(result.services_seen.length + result.left_out.services_seen, services + 1);
      assert.ok(result.diagnoses.length > 0, 'the diagnoses are kept while they fit');
      const log = consoleReport(result);
      assert.match(log, /^left out of the result output: [\d,]+ spans/m);
      assert.ok(log.split('\n').length < 100, 'the log lists a bounded number of lines');

      const summary = renderSummary(result);
      assert.ok(utf8Bytes(summary) <= SUMMARY_MAX_BYTES, `summary ${utf8Bytes(summary)} bytes`);
      const note = /Not listed below nor in the JSON result[^:]*: ([^<]*)\.<\/p>/.exec(summary);
      assert.ok(note, 'the summary says what it left out');
      const leftInSummary = Number(/([\d,]+) spans/.exec(note[1]!)![1]!.replaceAll(',', ''));
      assert.ok(leftInSummary >= result.left_out.spans);
      assert.match(summary, new RegExp(`Spans of probe 1 \\(${spans + 1}\\)`));
    });
  }
});

describe('self-test within the budgets', () => {
  // 200 requests, not 10,000: verifying each request against 20,000 spans is the slow part, and
  // past 50 the failed requests are counted, not listed, whatever their number.
  test('200 failed requests and 20,000 spans: result and summary fit', () => {
    const { spans, hop } = brokenHop();
    const extra = Array.from({ length: 20_000 }, (_, index) => ({
      ...span('service-a', 'internal', index.toString(16).padStart(16, '1'), A_SERVER),
      name: `${index} ${FAT_NAME}`,
    }));
    const requests = Array.from({ length: 200 }, (_, index) => request(hop, { index: index + 1 }));
    const verification = verifyPropagation(input(requests, [...spans, ...extra]));
    const config = parseConfig(() => '');
    const services = ['service-a', 'service-b'].map((name, index) => ({
      name,
      port: 4001 + index,
      url: `http://127.0.0.1:${4001 + index}/`,
    }));
    const result = buildSelfTestResult({ config, services, probes: [], spans: [], verification });
    const json = JSON.stringify(result);
    assert.ok(utf8Bytes(json) <= RESULT_MAX_BYTES, `result ${utf8Bytes(json)} bytes`);
    assert.equal(result.requests.failed, 200);
    assert.equal(result.requests.failures.length + result.left_out.failed_requests, 200);
    assert.ok(result.left_out.spans > 0);
    assert.equal(result.spans.length + result.left_out.spans, verification.sample.spans.length);

    const summary = renderSummary(result, verification);
    assert.ok(utf8Bytes(summary) <= SUMMARY_MAX_BYTES, `summary ${utf8Bytes(summary)} bytes`);
    assert.match(
      summary,
      /Not listed below nor in the JSON result[^:]*: [\d,]+ spans, [\d,]+ failed requests\./,
    );
  });
});
