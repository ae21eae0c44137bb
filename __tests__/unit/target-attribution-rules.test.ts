// Attribution rule by rule (src/verify/attribution.ts), read from the analysis: which probe and
// which cause each break is given, at the edges of each rule's windows and preferences.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeRun } from '../../src/verify/analysis';
import { FOLLOW_UP_MS } from '../../src/verify/attribution';
import type { TargetInput, TargetProbe } from '../../src/verify/target-types';
import type { SpanRecord } from '../../src/verify/types';
import { PROBE_SPAN, healthy, probe, probeAt, span, verify } from '../helpers/target-spans';

const SKEW = 50;
const NEW = 'n'.repeat(32).replace(/n/g, '7');

function causes(probes: TargetProbe[], spans: SpanRecord[], extra: Partial<TargetInput> = {}) {
  const analysis = analyzeRun({
    probes,
    spans,
    expectServices: [],
    header: 'traceparent',
    maxClockSkewMs: SKEW,
    externalCalls: [{ kind: 'host', host: 'api.example', port: undefined }],
    ...extra,
  });
  return analysis.probes.map((p) =>
    p.breaks.map((b) => {
      const cause = b.cause;
      const detail =
        cause.kind === 'call'
          ? `${cause.rule} ${cause.call.client.spanId}`
          : cause.kind === 'caller'
            ? cause.caller.spanId
            : cause.kind === 'local'
              ? cause.server.spanId
              : '';
      return `${b.span.spanId} ${b.kind} ${cause.kind} ${detail}`.trim();
    }),
  );
}

/** A new root server span of `service` in a trace of its own, at [start, end]. */
function newRoot(service: string, id: string, start: number, end: number, port?: number) {
  return span(service, 'server', id, undefined, [start, end], {
    traceId: NEW.slice(0, 31) + id.slice(-1),
    attributes: port === undefined ? {} : { 'server.port': port },
  });
}

describe('rule 3: an uninstrumented caller, ranked', () => {
  const p1 = probeAt(1, 1000, 1100);
  const p2 = probeAt(2, 980, 1140);

  /**
   * checkout serves probe 1 (tightly around the break), gateway serves probe 2 (loosely); each
   * makes one call of its own to a declared external API, checkout's at `checkoutCall`.
   */
  function serving(checkoutCall: [number, number] = [1096, 1097]): SpanRecord[] {
    const external = { 'server.address': 'api.example', 'server.port': 443 };
    return [
      span('checkout', 'server', 'c000000000000001', p1.spanId, [1003, 1093], {
        traceId: p1.traceId,
      }),
      span('checkout', 'client', 'c000000000000002', 'c000000000000001', checkoutCall, {
        traceId: p1.traceId,
        attributes: external,
      }),
      span('gateway', 'server', 'g000000000000001', p2.spanId, [981, 1139], {
        traceId: p2.traceId,
      }),
      span('gateway', 'client', 'g000000000000002', 'g000000000000001', [1130, 1131], {
        traceId: p2.traceId,
        attributes: external,
      }),
    ];
  }
  const payment = newRoot('payment', 'p000000000000001', 1010, 1020);

  test('the request in flight that fits the break tightest made the call', () => {
    assert.deepEqual(causes([p1, p2], [...serving(), payment]), [
      ['p000000000000001 new-root caller c000000000000001'],
      [],
    ]);
  });

  test('a request waiting on its own instrumented call at that moment did not make it', () => {
    assert.deepEqual(causes([p1, p2], [...serving([1005, 1030]), payment]), [
      [],
      ['p000000000000001 new-root caller g000000000000001'],
    ]);
  });

  for (const [label, call, waiting] of [
    ['its call began exactly then', [1010, 1030], true],
    ['its call ended exactly then', [1004, 1010], true],
    ['its call began just after', [1011, 1030], false],
    ['its call ended just before', [1004, 1009], false],
  ] as const) {
    test(`${label}: ${waiting ? 'waiting' : 'free'}`, () => {
      const result = causes([p1, p2], [...serving([...call]), payment]);
      assert.deepEqual(result.flat(), [
        `p000000000000001 new-root caller ${waiting ? 'g' : 'c'}000000000000001`,
      ]);
    });
  }

  test('a request that encloses the break before a tighter one that does not', () => {
    // checkout's request ends before payment's does (beyond the skew): it did not wait for it.
    const spans = serving();
    spans[0] = { ...spans[0]!, endTimeMs: 1012 };
    const late = newRoot('payment', 'p000000000000001', 1010, 1012 + SKEW + 1);
    assert.deepEqual(causes([p1, p2], [...spans, late]).flat(), [
      'p000000000000001 new-root caller g000000000000001',
    ]);
    const justIn = newRoot('payment', 'p000000000000001', 1010, 1012 + SKEW);
    assert.deepEqual(causes([p1, p2], [...spans, justIn]).flat(), [
      'p000000000000001 new-root caller c000000000000001',
    ]);
  });

  test('a service that never made an instrumented call is the likelier caller', () => {
    const spans = serving().filter((s) => s.spanId !== 'g000000000000002');
    assert.deepEqual(causes([p1, p2], [...spans, payment]).flat(), [
      'p000000000000001 new-root caller g000000000000001',
    ]);
  });

  test('a callee already in the probe’s trace is not another of its calls', () => {
    assert.deepEqual(
      causes([p1], [...serving().slice(0, 2), newRoot('checkout', 'c000000000000009', 1010, 1020)]),
      [[]],
    );
  });

  test('one caller explains one break: a second break at the same time goes elsewhere', () => {
    assert.deepEqual(
      causes(
        [p1],
        [
          ...serving().slice(0, 2),
          newRoot('payment', 'p000000000000001', 1010, 1020),
          newRoot('payment', 'p000000000000002', 1011, 1021),
        ],
      ),
      [['p000000000000001 new-root caller c000000000000001']],
    );
  });

  test('one caller explains one break: a break of another service at that time goes elsewhere', () => {
    const inventory = newRoot('inventory', 'i000000000000001', 1011, 1021);
    assert.deepEqual(causes([p1, p2], [...serving(), payment, inventory]), [
      ['p000000000000001 new-root caller c000000000000001'],
      ['i000000000000001 new-root caller g000000000000001'],
    ]);
  });

  /** checkout's own work under its request (calls to the external API), besides [1096, 1097]. */
  const ownCall = (id: string, window: [number, number], kind: SpanRecord['kind'] = 'client') =>
    span('checkout', kind, id, 'c000000000000001', window, {
      traceId: p1.traceId,
      attributes: { 'server.address': 'api.example', 'server.port': 443 },
    });

  test('waiting on any of its calls counts, in whichever order they were exported', () => {
    const inFlight = ownCall('c000000000000003', [1005, 1030]);
    const done = ownCall('c000000000000004', [1004, 1006]);
    const spans = serving();
    for (const order of [
      [...spans, inFlight],
      [...spans.slice(0, 1), inFlight, ...spans.slice(1), done],
    ]) {
      assert.deepEqual(causes([p1, p2], [...order, payment]).flat(), [
        'p000000000000001 new-root caller g000000000000001',
      ]);
    }
  });

  test('internal work in flight is no call it waits on', () => {
    const work = ownCall('c000000000000003', [1005, 1030], 'internal');
    assert.deepEqual(causes([p1, p2], [...serving(), work, payment]).flat(), [
      'p000000000000001 new-root caller c000000000000001',
    ]);
  });

  for (const [start, caller] of [
    [1010, 'c'],
    [1011, 'g'],
  ] as const) {
    test(`a request that began ${start === 1010 ? 'exactly when' : 'just after'} the break began ${caller === 'c' ? 'encloses' : 'does not enclose'} it`, () => {
      const spans = serving();
      spans[0] = { ...spans[0]!, startTimeMs: start };
      assert.deepEqual(causes([p1, p2], [...spans, payment]).flat(), [
        `p000000000000001 new-root caller ${caller}000000000000001`,
      ]);
    });
  }
});

describe('rule 4: a service lost the context for its own later work', () => {
  const p1 = probeAt(1, 1000, 1100);
  const p2 = probeAt(2, 1200, 1300);
  /** Checkout's server span `c00000000000000<n>`, serving `probe`'s request over `times`. */
  const request = (probe: typeof p1, n: number, times: [number, number]) =>
    span('checkout', 'server', `c00000000000000${n}`, probe.spanId, times, {
      traceId: probe.traceId,
    });
  const entries = [request(p1, 1, [1001, 1090]), request(p2, 2, [1201, 1290])];
  const lostCall = (start: number, id = 'c00000000000000a') =>
    span('checkout', 'client', id, undefined, [start, start + 5], {
      traceId: NEW.slice(0, 31) + id.slice(-1),
      attributes: { 'server.port': 9002 },
    });

  test('the latest request of that service that began before it', () => {
    assert.deepEqual(causes([p1, p2], [...entries, lostCall(1250)]), [
      [],
      ['c00000000000000a new-root local c000000000000002'],
    ]);
    // After both requests ended, within the follow-up time: the later one.
    assert.deepEqual(causes([p1, p2], [...entries, lostCall(1400)]), [
      [],
      ['c00000000000000a new-root local c000000000000002'],
    ]);
    // Between the two: the first.
    assert.deepEqual(causes([p1, p2], [...entries, lostCall(1150)]), [
      ['c00000000000000a new-root local c000000000000001'],
      [],
    ]);
  });

  test('the follow-up window ends FOLLOW_UP_MS (plus 1 ms) after the request', () => {
    const last = 1290 + FOLLOW_UP_MS + 1;
    assert.deepEqual(causes([p1, p2], [...entries, lostCall(last)]), [
      [],
      ['c00000000000000a new-root local c000000000000002'],
    ]);
    assert.deepEqual(causes([p1, p2], [...entries, lostCall(last + 1)]), [[], []]);
  });

  test('one request explains one lost call; the next goes to the other request', () => {
    assert.deepEqual(
      causes([p1, p2], [...entries, lostCall(1250), lostCall(1400, 'c00000000000000b')]),
      [
        ['c00000000000000b new-root local c000000000000001'],
        ['c00000000000000a new-root local c000000000000002'],
      ],
    );
  });

  test('a request of another service does not explain it', () => {
    const other = [
      span('gateway', 'server', 'g000000000000001', p1.spanId, [1001, 1090], {
        traceId: p1.traceId,
      }),
    ];
    assert.deepEqual(causes([p1], [...other, lostCall(1050)]), [[]]);
  });

  // Pinned as the rule chooses today (the latest start; on equal starts the first in probe
  // order, then span order; a request already explaining a break is skipped), so that a faster
  // search over the candidates keeps exactly these answers.
  test('equal starts: the first probe’s request, then (it is taken) the next one’s', () => {
    const q1 = probeAt(1, 1000, 1100);
    const q2 = probeAt(2, 1000, 1100);
    const same = [request(q1, 1, [1001, 1090]), request(q2, 2, [1001, 1090])];
    assert.deepEqual(causes([q1, q2], [...same, lostCall(1050)]), [
      ['c00000000000000a new-root local c000000000000001'],
      [],
    ]);
    assert.deepEqual(
      causes([q1, q2], [...same, lostCall(1050), lostCall(1060, 'c00000000000000b')]),
      [
        ['c00000000000000a new-root local c000000000000001'],
        ['c00000000000000b new-root local c000000000000002'],
      ],
    );
    // Both taken: a third lost call has no request left to explain it.
    const third = lostCall(1070, 'c00000000000000c');
    const all = causes(
      [q1, q2],
      [...same, lostCall(1050), lostCall(1060, 'c00000000000000b'), third],
    );
    assert.deepEqual(all, [
      ['c00000000000000a new-root local c000000000000001'],
      ['c00000000000000b new-root local c000000000000002'],
    ]);
  });
});

describe('rule 5: the entry did not join', () => {
  const p1 = { ...probeAt(1, 1000, 1100) };
  const p2 = { ...probeAt(2, 1040, 1140) };

  test('each new root goes to the probe sent nearest before it, one each', () => {
    assert.deepEqual(causes([p1, p2], [newRoot('checkout', 'c000000000000001', 1041, 1090)]), [
      [],
      ['c000000000000001 new-root entry'],
    ]);
    assert.deepEqual(
      causes(
        [p1, p2],
        [
          newRoot('checkout', 'c000000000000001', 1041, 1090),
          newRoot('checkout', 'c000000000000002', 1042, 1091),
        ],
      ),
      [['c000000000000002 new-root entry'], ['c000000000000001 new-root entry']],
    );
  });

  test('a probe that got no answer sent nothing to join', () => {
    assert.deepEqual(
      causes(
        [{ ...p1, status: undefined, error: 'ECONNREFUSED' }],
        [newRoot('checkout', 'c000000000000001', 1001, 1090)],
      ),
      [[]],
    );
  });

  test('outside the probe’s window (with the skew): not its entry', () => {
    assert.deepEqual(causes([p1], [newRoot('checkout', 'c000000000000001', 1100 + SKEW, 1160)]), [
      ['c000000000000001 new-root entry'],
    ]);
    assert.deepEqual(
      causes([p1], [newRoot('checkout', 'c000000000000001', 1100 + SKEW + 1, 1160)]),
      [[]],
    );
    assert.deepEqual(
      causes([p1], [newRoot('checkout', 'c000000000000001', 1000 - SKEW - 1, 1060)]),
      [[]],
    );
  });
});

describe('rules 1 and 2: an unanswered call', () => {
  const p1 = probeAt(1, 1000, 1100);
  const entry = span('checkout', 'server', 'c000000000000001', p1.spanId, [1001, 1095], {
    traceId: p1.traceId,
  });
  const call = (id: string, start: number, port: number) =>
    span('checkout', 'client', id, 'c000000000000001', [start, start + 40], {
      traceId: p1.traceId,
      attributes: { 'server.port': port },
    });

  test('the call to the address the new root listened on, before a nearer call elsewhere', () => {
    assert.deepEqual(
      causes(
        [p1],
        [
          entry,
          call('c00000000000000a', 1010, 9002),
          call('c00000000000000b', 1019, 9003),
          newRoot('payment', 'p000000000000001', 1020, 1030, 9002),
        ],
      ),
      [['p000000000000001 new-root call call-to-its-address c00000000000000a']],
    );
  });

  test('no port on the new root: the call in flight that began nearest', () => {
    assert.deepEqual(
      causes(
        [p1],
        [
          entry,
          call('c00000000000000a', 1010, 9002),
          call('c00000000000000b', 1019, 9003),
          newRoot('payment', 'p000000000000001', 1020, 1030),
        ],
      ),
      [['p000000000000001 new-root call call-in-flight c00000000000000b']],
    );
  });

  test('the window of a call, with the skew, at both ends', () => {
    for (const [start, blamed] of [
      [1010 - SKEW, true],
      [1010 - SKEW - 1, false],
      [1050 + SKEW, true],
      [1050 + SKEW + 1, false],
    ] as const) {
      const result = causes(
        [p1],
        [
          entry,
          call('c00000000000000a', 1010, 9002),
          newRoot('payment', 'p000000000000001', start, start + 5, 9002),
        ],
      );
      assert.equal(
        result[0]!.some((c) => c.includes('call-to-its-address')),
        blamed,
        `at ${start}`,
      );
    }
  });

  test('a call to where another known service listens does not explain the new root', () => {
    const ledger = span('ledger', 'server', 'l000000000000001', 'c00000000000000f', [900, 910], {
      traceId: 'e'.repeat(32),
      attributes: { 'server.port': 9003 },
    });
    assert.deepEqual(
      causes(
        [p1],
        [
          entry,
          ledger,
          call('c00000000000000b', 1019, 9003),
          newRoot('payment', 'p000000000000001', 1020, 1030, 9002),
        ],
      ),
      [['p000000000000001 new-root caller c000000000000001']],
    );
  });
});

void PROBE_SPAN;

describe('a lost fire-and-forget call that nobody answered', () => {
  test('is the service’s own break, not an unrelated request’s (it cannot explain itself)', () => {
    const lost = span('checkout', 'client', 'c00000000000000f', undefined, [1095, 1099], {
      traceId: NEW,
      attributes: {
        'http.request.method': 'POST',
        'url.full': 'http://127.0.0.1:9555/audit',
        'server.port': 9555,
      },
    });
    const verification = verify([...healthy(), lost]);
    assert.equal(verification.passed, false);
    assert.ok(verification.failedChecks.includes('no_new_roots'), verification.failedChecks.join());
    assert.deepEqual(causes([probe], [...healthy(), lost]), [
      ['c00000000000000f new-root local c000000000000001'],
    ]);
  });
});

describe('two lost fire-and-forget calls of one service, close in time', () => {
  test('each is the service’s own break; neither explains the other (no "checkout -> checkout")', () => {
    const p2 = { ...probeAt(2, 1100, 1200), status: 200 };
    const entries = [
      ...healthy(),
      span('checkout', 'server', 'c000000000000021', p2.spanId, [1101, 1190], {
        traceId: p2.traceId,
      }),
    ];
    const lost = (id: string, start: number) =>
      span('checkout', 'client', id, undefined, [start, start + 3], {
        traceId: NEW.slice(0, 31) + id.slice(-1),
        attributes: { 'url.full': 'http://127.0.0.1:9555/audit', 'server.port': 9555 },
      });
    const spans = [...entries, lost('c00000000000000a', 1120), lost('c00000000000000b', 1220)];
    assert.deepEqual(causes([probe, p2], spans), [
      ['c00000000000000b new-root local c000000000000001'],
      ['c00000000000000a new-root local c000000000000021'],
    ]);
    const verification = verify(spans, {}, [probe, p2]);
    const all = verification.probes.flatMap((p) => p.diagnoses);
    assert.ok(!all.some((d) => d.startsWith('checkout -> checkout')), all.join('\n'));
  });
});

describe('rule 0: a call of a request no probe sent', () => {
  test('the new root that answers it is not the probe’s, though a probe call to that address is in flight', () => {
    const HEALTH = '8'.repeat(32);
    const [entry, call] = healthy();
    const spans = [
      entry!,
      call!,
      // A health check through gateway, begun before the probe, calls payment during it.
      span('gateway', 'server', 'g000000000000001', undefined, [900, 1070], {
        traceId: HEALTH,
        attributes: { 'server.port': 9100 },
      }),
      span('gateway', 'client', 'g000000000000002', 'g000000000000001', [1005, 1060], {
        traceId: HEALTH,
        attributes: { 'server.port': 9002 },
      }),
      // A connect span under the call (as some HTTP clients export) does not answer it.
      span('gateway', 'internal', 'g000000000000003', 'g000000000000002', [1005, 1006], {
        traceId: HEALTH,
      }),
      // payment drops the context of both calls: one new root each.
      newRoot('payment', 'p000000000000009', 1006, 1050, 9002),
      newRoot('payment', 'p000000000000001', 1020, 1030, 9002),
    ];
    assert.deepEqual(causes([probe], spans), [
      ['p000000000000001 new-root call call-to-its-address c000000000000002'],
    ]);
  });
});
