// What counts as a break and how a new root is told (src/verify/breaks.ts, analysis.ts,
// graph-checks/one-root.ts, isolation.ts), one condition at a time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findBreaks } from '../../src/verify/breaks';
import { groupByTrace } from '../../src/verify/spans';
import type { SpanRecord } from '../../src/verify/types';
import { PROBE_TRACE, healthy, probe, span, verify } from '../helpers/target-spans';

const OTHER = '2'.repeat(32);
const THIRD = '3'.repeat(32);

function breaks(spans: SpanRecord[]): string[] {
  return findBreaks(groupByTrace(spans), new Set([PROBE_TRACE])).map(
    (b) => `${b.span.spanId} ${b.kind}`,
  );
}

describe('findBreaks', () => {
  test('roots and server spans whose parent nobody exported, in start order', () => {
    const spans = [
      ...healthy(),
      span('payment', 'server', 'p000000000000009', 'ffffffffffffffff', [1050, 1060], {
        traceId: OTHER,
      }),
      span('ledger', 'internal', 'l000000000000001', undefined, [1040, 1045], { traceId: THIRD }),
    ];
    assert.deepEqual(breaks(spans), ['l000000000000001 new-root', 'p000000000000009 foreign']);
  });

  test('a client or internal span under a parent nobody exported is no break of its own', () => {
    const spans = [
      span('payment', 'client', 'p000000000000009', 'ffffffffffffffff', [1050, 1060], {
        traceId: OTHER,
      }),
      span('payment', 'internal', 'p00000000000000a', 'ffffffffffffffff', [1050, 1060], {
        traceId: OTHER,
      }),
    ];
    assert.deepEqual(breaks(spans), []);
  });

  test('a server span whose parent is exported in another trace (trace id rewritten) is no break', () => {
    const spans = [
      span('gateway', 'client', 'g000000000000001', undefined, [1000, 1100], { traceId: THIRD }),
      span('payment', 'server', 'p000000000000009', 'g000000000000001', [1050, 1060], {
        traceId: OTHER,
      }),
    ];
    assert.deepEqual(breaks(spans), ['g000000000000001 new-root']);
  });

  test("the probe's own trace holds no breaks", () => {
    const spans = [span('ledger', 'server', 'l000000000000001', 'ffffffffffffffff', [1040, 1045])];
    assert.deepEqual(breaks(spans), []);
  });
});

describe('the entry span', () => {
  test('an internal span under the probe is not the entry joining', () => {
    const spans = healthy();
    spans[0] = { ...spans[0]!, kind: 'internal' };
    const verification = verify(spans);
    assert.equal(
      verification.sample.findings.find((f) => f.check === 'entry_joined')?.passed,
      false,
    );
  });

  test('a server span under another span is not the entry either', () => {
    const verification = verify([healthy()[2]!]);
    assert.equal(
      verification.sample.findings.find((f) => f.check === 'entry_joined')?.passed,
      false,
    );
  });
});

describe('how a new root after a call is told', () => {
  const lost = (attributes: SpanRecord['attributes'], kind: SpanRecord['kind'] = 'server') =>
    span('payment', kind, 'p000000000000009', undefined, [1011, 1079], {
      traceId: OTHER,
      name: kind === 'server' ? 'POST /pay' : 'charge',
      attributes,
    });

  function diagnosis(root: SpanRecord): string {
    const spans = healthy().slice(0, 2);
    const verification = verify([...spans, root]);
    const found = verification.sample.diagnoses.find((d) => d.startsWith('checkout -> payment'));
    assert.ok(found, verification.sample.diagnoses.join('\n'));
    return found;
  }

  test('same port: no proxy sentence', () => {
    assert.equal(
      diagnosis(lost({ 'server.port': 9002 })),
      'checkout -> payment (POST http://127.0.0.1:9002/pay): payment started a new trace; the traceparent header did not arrive or was not extracted.',
    );
  });

  test('another port: a proxy in between is named', () => {
    assert.match(
      diagnosis(lost({ 'server.port': 9102 })),
      /extracted\. The call went to port 9002 and payment listens on 9102: something in between \(a proxy or gateway\) handled it and may have dropped the header\.$/,
    );
  });

  test('no port on the new root: no proxy sentence', () => {
    assert.match(diagnosis(lost({})), /was not extracted\.$/);
  });

  test('a first span that is not a server span says the server is not instrumented', () => {
    assert.match(
      diagnosis(lost({}, 'internal')),
      /was not extracted\. Its first span is internal \(charge\): its HTTP server is not instrumented, or it began the work outside the request's context\.$/,
    );
  });
});

describe('a lost call of the service itself: while serving or after answering', () => {
  for (const [start, when] of [
    [1090, 'while serving'],
    [1091, 'after answering'],
  ] as const) {
    test(`starting at ${start} (the request ended at 1090): ${when}`, () => {
      const lost = span('checkout', 'client', 'c00000000000000f', undefined, [start, start + 3], {
        traceId: OTHER,
      });
      // An answered call, so that nothing else explains the new root.
      const answer = span(
        'ledger',
        'server',
        'l000000000000001',
        'c00000000000000f',
        [start + 1, start + 2],
        {
          traceId: OTHER,
        },
      );
      const verification = verify([...healthy(), lost, answer]);
      assert.match(
        verification.sample.diagnoses.join('\n'),
        new RegExp(`checkout began this client span in a new trace ${when} the probe's request`),
      );
    });
  }
});

describe('context_isolated observed', () => {
  test('work after the answer is counted, not failed', () => {
    const late = span('checkout', 'client', 'c00000000000000e', 'c000000000000001', [1400, 1410]);
    const answer = span('ledger', 'server', 'l000000000000001', 'c00000000000000e', [1401, 1409]);
    const finding = verify([...healthy(), late, answer]).sample.findings.find(
      (f) => f.check === 'context_isolated',
    );
    assert.deepEqual(
      [finding?.observed, finding?.passed],
      [
        '0 leaked spans; 2 spans after the answer, parent chain intact (context kept correctly)',
        true,
      ],
    );
  });
});

void probe;
