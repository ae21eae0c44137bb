// Target-mode findings and diagnoses in full, as the report shows them, for one break at a time:
// what the target answered, a dangling parent, a server span under an internal span, a parent
// continued from inside the process.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding } from '../../src/verify/types';
import { healthy, probe, span, verify } from '../helpers/target-spans';

function failedOnly(v: ReturnType<typeof verify>) {
  return {
    failed: v.failedChecks,
    findings: v.sample.findings.filter((f) => !f.passed).map((f: Finding) => f.observed),
    diagnoses: v.sample.diagnoses,
  };
}

describe('target_answered', () => {
  for (const [status, error, observed, diagnosis] of [
    [
      200,
      'aborted',
      'HTTP 200, then the answer broke off: aborted',
      'probe -> target: the target answered HTTP 200 but the connection broke before the answer ended (aborted).',
    ],
    [
      undefined,
      'ECONNREFUSED',
      'no answer: ECONNREFUSED',
      'probe -> target: the target did not answer (ECONNREFUSED).',
    ],
    [
      undefined,
      undefined,
      'no answer: unknown',
      'probe -> target: the target did not answer (unknown).',
    ],
    [
      503,
      undefined,
      'HTTP 503',
      'probe -> target: the target answered HTTP 503; the trace below is what it produced before failing.',
    ],
  ] as const) {
    test(`status ${status}, error ${error}`, () => {
      assert.deepEqual(failedOnly(verify(healthy(), {}, [{ ...probe, status, error }])), {
        failed: ['target_answered'],
        findings: [observed],
        diagnoses: [diagnosis],
      });
    });
  }

  test('HTTP 200 in full: passes, observed as such', () => {
    const finding = verify(healthy()).sample.findings.find((f) => f.check === 'target_answered');
    assert.equal(finding?.observed, 'HTTP 200');
    assert.equal(finding?.passed, true);
  });
});

describe('parent links', () => {
  const [entry, client, payment] = healthy();

  test('a parent nobody exported is named with the span that names it', () => {
    const spans = [entry!, { ...payment!, parentSpanId: 'dddddddddddddddd' }];
    assert.deepEqual(failedOnly(verify(spans)), {
      failed: ['parents_resolved'],
      findings: ['payment: GET (p000000000000001) -> dddddddddddddddd'],
      diagnoses: [
        'payment: GET (p000000000000001) names parent dddddddddddddddd, which no service exported: a service between them exports nothing, or drops spans.',
      ],
    });
  });

  test('the probe as parent is not dangling; a root is not dangling', () => {
    const root = span('checkout', 'internal', 'c000000000000008', undefined, [1001, 1002]);
    const verification = verify([...healthy(), root]);
    const finding = verification.sample.findings.find((f) => f.check === 'parents_resolved');
    assert.equal(finding?.observed, '0 dangling parents');
    assert.equal(finding?.passed, true);
  });

  test("a server span under the caller's internal span: the caller's client is not instrumented", () => {
    const work = span('checkout', 'internal', 'c000000000000009', entry!.spanId, [1005, 1085]);
    const spans = [
      entry!,
      work,
      { ...payment!, parentSpanId: work.spanId, attributes: { 'url.path': '/pay?x=1' } },
    ];
    assert.deepEqual(failedOnly(verify(spans)), {
      failed: ['server_parent_is_client'],
      findings: ['payment: GET (p000000000000001) <- internal span'],
      diagnoses: [
        "checkout -> payment (/pay): payment's server span is the child of checkout's internal span c000000000000009, not of a client span: checkout's outgoing HTTP client is not instrumented.",
      ],
    });
  });

  test('without a path attribute the span name stands for the call', () => {
    const work = span('checkout', 'internal', 'c000000000000009', entry!.spanId, [1005, 1085]);
    const verification = verify([
      entry!,
      work,
      { ...payment!, parentSpanId: work.spanId, attributes: {} },
    ]);
    assert.match(verification.sample.diagnoses[0] ?? '', /^checkout -> payment \(GET\): /);
  });

  test('a server span under a producer span is fine (messaging)', () => {
    const producer = { ...client!, kind: 'producer' as const };
    const verification = verify([entry!, producer, payment!]);
    const finding = verification.sample.findings.find((f) => f.check === 'server_parent_is_client');
    assert.equal(finding?.passed, true);
  });

  test('a parent continued from inside the process (span flags say not remote)', () => {
    assert.deepEqual(
      failedOnly(verify([entry!, client!, { ...payment!, parentIsRemote: false }])),
      {
        failed: ['remote_parent_extracted'],
        findings: ['payment: GET (p000000000000001)'],
        diagnoses: [
          'payment: server span p000000000000001 continued a context from inside its own process (span flags: parent not remote), not the one in the incoming traceparent header: extraction failed.',
        ],
      },
    );
  });

  test('a local parent of an internal or a root span is not judged', () => {
    const local = span('checkout', 'internal', 'c000000000000007', entry!.spanId, [1003, 1004], {
      parentIsRemote: false,
    });
    const rootServer = span('ledger', 'server', 'l000000000000001', undefined, [1003, 1004], {
      parentIsRemote: false,
    });
    const verification = verify([...healthy(), local]);
    assert.equal(
      verification.sample.findings.find((f) => f.check === 'remote_parent_extracted')?.passed,
      true,
    );
    const withRoot = verify([...healthy(), { ...rootServer, traceId: entry!.traceId }]);
    assert.equal(
      withRoot.sample.findings.find((f) => f.check === 'remote_parent_extracted')?.passed,
      true,
    );
  });
});
