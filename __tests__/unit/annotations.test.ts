import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Result } from '../../src/report/result';
import type { TargetResult } from '../../src/report/target-result';
import { annotationsOf } from '../../src/runner/annotations';

const check = (name: string, passed: boolean, extra: object = {}) => ({
  check: name,
  title: `title of ${name}`,
  expected: 'x',
  observed: passed ? 'x' : 'y',
  passed,
  ...extra,
});

function targetResult(edges: { from: string; to: string; broken: boolean }[]): TargetResult {
  return {
    mode: 'target',
    probes: { total: 50 },
    edges: edges.map((edge) => ({ ...edge, call: `GET /${edge.to}` })),
    diagnoses: [
      'a -> b (GET /b): b started a new trace.',
      'b -> c (GET /c): c started a new trace.',
      'Gave up after 9 s waiting for d.',
    ],
    checks: [
      check('no_new_roots', false, { probes_failed: 50 }),
      check('expected_services_present', false, { probes_failed: 50 }),
      check('entry_joined', true, { probes_failed: 0 }),
    ],
  } as unknown as TargetResult;
}

describe('annotationsOf', () => {
  test('target mode: one per broken edge with its diagnosis, one for what no edge explains', () => {
    const annotations = annotationsOf(
      targetResult([
        { from: 'probe', to: 'a', broken: false },
        { from: 'a', to: 'b', broken: true },
        { from: 'b', to: 'c', broken: true },
      ]),
      'the failure line',
    );
    assert.deepEqual(annotations, [
      { title: 'Broken edge: a → b', message: 'a -> b (GET /b): b started a new trace.' },
      { title: 'Broken edge: b → c', message: 'b -> c (GET /c): c started a new trace.' },
      {
        title: 'Other failed checks',
        message:
          'Gave up after 9 s waiting for d. expected_services_present: expected x, observed y. (50 of 50 probes)',
      },
    ]);
  });

  test('no broken edge: one annotation with the whole failure line', () => {
    const annotations = annotationsOf(
      targetResult([{ from: 'probe', to: 'a', broken: false }]),
      'the failure line',
    );
    assert.deepEqual(annotations, [
      { title: 'Trace context propagation failed', message: 'the failure line' },
    ]);
  });

  test('self-test: 1,000 requests broken at one hop are one annotation; request-wide checks add none', () => {
    const result = {
      requests: { total: 1000 },
      hops: [
        {
          hop: 1,
          caller: 'a',
          callee: 'b',
          passed: true,
          requests_passed: 1000,
          requests_failed: 0,
        },
        {
          hop: 2,
          caller: 'b',
          callee: 'c',
          request: 'GET /c',
          passed: false,
          diagnosis: 'b -> c: header stripped.',
          requests_passed: 0,
          requests_failed: 1000,
        },
      ],
      checks: [
        check('same_trace', true, { hop: 1, requests_failed: 0 }),
        check('same_trace', false, { hop: 2, requests_failed: 1000 }),
        check('single_root', false, { hop: null, requests_failed: 1000 }),
      ],
    } as unknown as Result;
    assert.deepEqual(annotationsOf(result, 'the failure line'), [
      {
        title: 'Broken hop 2: b → c',
        message:
          '1000 of 1000 requests broken at GET /c. b -> c: header stripped. same_trace: expected x, observed y.',
      },
    ]);
  });
});
