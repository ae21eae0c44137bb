// The self-test verifier's parts, each rule on its own: finding the spans of a hop among
// colliding ids and ports, the first hop's seed fields, the run-wide fields and the folded rows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runWideFields, seedFields } from '../../src/verify/header-checks/seed-fields';
import { findCalleeServerSpan, findCallerClientSpan, traceIds } from '../../src/verify/spans';
import { addChecks, addHops } from '../../src/verify/summaries';
import type {
  CheckSummary,
  HopSummary,
  RequestVerification,
  SpanRecord,
} from '../../src/verify/types';
import {
  A_CLIENT,
  A_SERVER,
  B_PORT,
  B_SERVER,
  TRACE_A,
  TRACE_B,
  healthyHop,
  span,
} from '../helpers/spans';

describe('findCalleeServerSpan', () => {
  const { hop } = healthyHop();
  const server = span('service-b', 'server', B_SERVER, A_CLIENT);

  test("the callee's reported server span, not another span that took its id", () => {
    for (const impostor of [
      span('service-a', 'server', B_SERVER, undefined),
      span('service-b', 'client', B_SERVER, undefined),
    ]) {
      assert.equal(findCalleeServerSpan([impostor, server], hop), server);
    }
  });

  test('none exported', () => {
    assert.equal(
      findCalleeServerSpan([span('service-b', 'server', A_SERVER, undefined)], hop),
      undefined,
    );
  });
});

describe('findCallerClientSpan', () => {
  const { hop } = healthyHop();
  const client = (id: string, attributes: SpanRecord['attributes'] = { 'server.port': B_PORT }) =>
    span('service-a', 'client', id, A_SERVER, TRACE_A, attributes);

  test("only the caller's client spans in the caller's trace, to the callee's port", () => {
    const mine = client(A_CLIENT);
    for (const other of [
      span('service-b', 'client', 'ffffffffffffff01', A_SERVER, TRACE_A, { 'server.port': B_PORT }),
      span('service-a', 'server', 'ffffffffffffff02', A_SERVER, TRACE_A, { 'server.port': B_PORT }),
      span('service-a', 'client', 'ffffffffffffff03', A_SERVER, TRACE_B, { 'server.port': B_PORT }),
      client('ffffffffffffff04', { 'server.port': B_PORT + 1 }),
    ]) {
      assert.equal(findCallerClientSpan([other, mine], hop, undefined), mine);
      assert.equal(findCallerClientSpan([other], hop, undefined), undefined);
    }
  });

  test('no span carries a port: the only client span; two of them: none', () => {
    const lone = client(A_CLIENT, {});
    assert.equal(findCallerClientSpan([lone], hop, undefined), lone);
    assert.equal(
      findCallerClientSpan([lone, client('ffffffffffffff05', {})], hop, undefined),
      undefined,
    );
    // A lone client span to another port is not the call.
    assert.equal(
      findCallerClientSpan([client(A_CLIENT, { 'server.port': 1 })], hop, undefined),
      undefined,
    );
  });

  test('several to the port: the one the header names, else the first', () => {
    const first = client('ffffffffffffff06');
    const named = client(A_CLIENT);
    assert.equal(findCallerClientSpan([first, named], hop, A_CLIENT), named);
    assert.equal(findCallerClientSpan([first, named], hop, undefined), first);
    assert.equal(findCallerClientSpan([first, named], hop, 'ffffffffffffff00'), first);
  });
});

describe('traceIds', () => {
  test('the entry trace first, then in order of appearance; absent, in order only', () => {
    const spans = [
      span('x', 'server', A_SERVER, undefined, TRACE_B),
      span('y', 'server', B_SERVER, undefined, TRACE_A),
    ];
    assert.deepEqual(traceIds(spans, TRACE_A), [TRACE_A, TRACE_B]);
    assert.deepEqual(traceIds(spans, 'c'.repeat(32)), [TRACE_B, TRACE_A]);
  });
});

describe('seedFields: same_trace needs a real trace id', () => {
  for (const [label, traceId, same] of [
    ['starting with a zero', `0${TRACE_A.slice(1)}`, true],
    ['all zeros', '0'.repeat(32), false],
    ['33 digits', `${TRACE_A}0`, false],
    ['a non-hex first digit', `g${TRACE_A.slice(1)}`, false],
    ['a non-hex last digit', `${TRACE_A.slice(1)}g`, false],
  ] as const) {
    test(`${label}: ${same}`, () => {
      const { hop } = healthyHop();
      hop.callerReport = { ...hop.callerReport, traceId };
      hop.calleeReport = { ...hop.calleeReport, traceId };
      assert.equal(seedFields(hop).same_trace, same);
    });
  }

  test('a valid header whose parent the callee did not name: no match', () => {
    const { hop } = healthyHop();
    hop.calleeReport = { ...hop.calleeReport, parentSpanId: undefined };
    const fields = seedFields(hop);
    assert.equal(fields.traceparent_parent_span_id, A_CLIENT);
    assert.equal(fields.service_b_parent_span_id, null);
    assert.equal(fields.parent_matches_traceparent, false);
  });
});

describe('runWideFields: which rows count', () => {
  const row = (
    check: string,
    hop: number | undefined,
    passed: number,
    failed: number,
  ): CheckSummary => ({
    check,
    hop,
    title: '',
    expected: '',
    observed: '',
    passed,
    failed,
  });

  test('request-wide rows (no hop) are not hops', () => {
    const fields = runWideFields([
      row('same_trace', undefined, 1, 0),
      row('parent_matches_x', undefined, 1, 0),
    ]);
    assert.deepEqual(fields, { every_hop_same_trace: false, every_hop_parent_matches: false });
  });

  test('a row that never passed does not hold', () => {
    const fields = runWideFields([
      row('same_trace', 1, 0, 0),
      row('parent_matches_traceparent', 1, 0, 0),
    ]);
    assert.deepEqual(fields, { every_hop_same_trace: false, every_hop_parent_matches: false });
  });

  test('only parent_matches_* rows decide the parent field, only same_trace the trace field', () => {
    const fields = runWideFields([
      row('same_trace', 1, 1, 0),
      row('parent_matches_traceparent', 1, 1, 0),
      row('x_parent_matches_y', 1, 0, 1),
      row('traceparent_valid', 1, 0, 1),
      row('same_trace_extra', 1, 0, 1),
    ]);
    assert.deepEqual(fields, { every_hop_same_trace: true, every_hop_parent_matches: true });
  });

  test('no parent rows: valid headers and the same trace decide; a failed header does not hold', () => {
    const trace = row('same_trace', 1, 1, 0);
    assert.equal(runWideFields([trace, row('b3_valid', 1, 1, 0)]).every_hop_parent_matches, true);
    assert.equal(runWideFields([trace, row('b3_valid', 1, 1, 1)]).every_hop_parent_matches, false);
    assert.equal(
      runWideFields([row('same_trace', 1, 1, 1), row('b3_valid', 1, 1, 0)])
        .every_hop_parent_matches,
      false,
    );
    assert.equal(
      runWideFields([trace, row('b3_valid_not', 1, 1, 0)]).every_hop_parent_matches,
      false,
    );
  });
});

describe('addChecks and addHops', () => {
  const finding = (check: string, hop: number | undefined, passed: boolean, observed: string) => ({
    check,
    hop,
    title: `${check} title`,
    expected: 'e',
    observed,
    passed,
  });
  const verified = (findings: ReturnType<typeof finding>[], hops: RequestVerification['hops']) =>
    ({ findings, hops }) as unknown as RequestVerification;

  test('one row per check and hop; the first failure is the one shown', () => {
    const rows = new Map<string, CheckSummary>();
    addChecks(
      rows,
      verified([finding('a', 1, true, 'ok'), finding('a', undefined, false, 'first')], []),
    );
    addChecks(
      rows,
      verified([finding('a', 1, false, 'bad'), finding('a', undefined, false, 'second')], []),
    );
    assert.deepEqual(
      [...rows.entries()].map(([key, row]) => [key, row.passed, row.failed, row.observed]),
      [
        ['a#1', 1, 1, 'bad'],
        ['a#', 0, 2, 'first'],
      ],
    );
  });

  test("a hop's first diagnosis is kept; passes are counted", () => {
    const rows: HopSummary[] = [];
    const hop = (passed: boolean, diagnosis: string | undefined) => ({
      hop: 1,
      caller: 'a',
      callee: 'b',
      request: 'GET /',
      passed,
      diagnosis,
      header: undefined,
      headerParentSpanId: undefined,
      callerClientSpanId: undefined,
      calleeParentSpanId: undefined,
    });
    addHops(rows, verified([], [hop(true, undefined)]));
    addHops(rows, verified([], [hop(false, 'first')]));
    addHops(rows, verified([], [hop(false, 'second')]));
    assert.deepEqual(rows, [
      { hop: 1, caller: 'a', callee: 'b', passed: 1, failed: 2, diagnosis: 'first' },
    ]);
  });
});
