// Run by attribution-flood.test.ts in a child process (so that a verification that does not end
// can be stopped): prints whether the healthy probe passed amid the flood, and what failed.
// A healthy probe amid a flood of unrelated, broken requests: each is a trace of its own whose
// client span called payment's port and was never answered in its trace, while payment started
// a new trace for it. None of that is the probe's doing, so the probe passes; and the verdict
// comes, however large the flood. Attribution once scanned every unrelated call again for every
// break (and rebuilt the set of attached traces each time): 20,000 such traces took 2 s and
// 200,000 (the default max-spans) did not end in 10 minutes, in one synchronous turn the
// action's deadline cannot interrupt.
import type { SpanRecord } from '../../src/verify/types';
import type { TargetProbe } from '../../src/verify/target-types';
import { healthy, probe, span, verify } from '../helpers/target-spans';

const hex = (value: number, digits: number): string =>
  value.toString(16).padStart(digits, '0').slice(-digits);

/** `pairs` unrelated requests: an unanswered call to port 9002, and payment's new root. */
function flood(pairs: number): SpanRecord[] {
  const spans: SpanRecord[] = [];
  for (let index = 0; index < pairs; index += 1) {
    const at = 1000 + (index % 100);
    spans.push(
      span('loadgen', 'client', hex(2 * index + 1, 16), undefined, [at, at + 50], {
        traceId: hex(0x100000 + index, 32),
        attributes: { 'server.port': 9002, 'url.full': 'http://127.0.0.1:9002/pay' },
      }),
      span(
        'payment',
        'server',
        hex(2 * index + 2, 16),
        hex(0xdead0000 + index, 16),
        [at + 1, at + 40],
        {
          traceId: hex(0x900000 + index, 32),
          attributes: { 'server.port': 9002, 'url.path': '/pay' },
        },
      ),
    );
  }
  return spans;
}

/**
 * `probes` probes of 100 healthy spans each (checkout calling payment), and `roots` client spans
 * of `service` (a cron job by default), each the root of a trace of its own. The rule "the
 * service lost its context" once walked every span of every probe for each such break: 4,000
 * probes and 50,000 roots, 2 x 10^10 span reads in one synchronous turn. Then it walked only the
 * server spans of the break's own service, which left a flood from a service the probes DO
 * reach (payment: 196,000 server spans) at 10^10 reads; now it searches them (log n a break).
 * The roots start at 1,000 + (index % `spread`) ms: over the first `spread / 10` probes.
 */
function manyProbes(
  probes: number,
  roots: number,
  service = 'cron',
  kind: 'client' | 'producer' | 'server' = 'client',
  spread = 1000,
): { spans: SpanRecord[]; probes: TargetProbe[] } {
  const spans: SpanRecord[] = [];
  const sent: TargetProbe[] = [];
  let id = 1;
  for (let index = 0; index < probes; index += 1) {
    const traceId = hex(0x1000000 + index, 32);
    const spanId = hex(0xabc00000 + index, 16);
    const at = 1000 + index * 10;
    sent.push({ ...probe, index: index + 1, traceId, spanId, startMs: at - 1, endMs: at + 200 });
    const root = hex(id++, 16);
    spans.push(span('checkout', 'server', root, spanId, [at, at + 190], { traceId }));
    for (let call = 0; call < 49; call += 1) {
      const client = hex(id++, 16);
      const attributes = { 'server.port': 9002 };
      spans.push(
        span('checkout', 'client', client, root, [at + 1, at + 100], { traceId, attributes }),
        span('payment', 'server', hex(id++, 16), client, [at + 2, at + 99], {
          traceId,
          attributes,
        }),
      );
    }
  }
  for (let index = 0; index < roots; index += 1) {
    const at = 1000 + (index % spread);
    spans.push(
      span(service, kind, hex(id++, 16), undefined, [at, at + 5], {
        traceId: hex(0x9000000 + index, 32),
        attributes: { 'server.port': 7777 },
      }),
    );
  }
  return { spans, probes: sent };
}

/**
 * The healthy probe, and `roots` server spans of `legacy`, each the root of a trace of its own,
 * naming 64,000 different ports of their own: legacy listens on 64,000 ports. Rule 2 visited
 * every one of them for each of legacy's roots (192,000 x 64,000), where c11d177 walked the
 * probes' few unanswered calls. (Found with old-convention spans, whose `net.peer.port`, the
 * caller's ephemeral port, was read as a server span's own port until spanPort read
 * `net.host.port` for server spans; the ports are now the spans' own, to keep the load.)
 */
function peerPorts(roots: number): { spans: SpanRecord[]; probes: TargetProbe[] } {
  const spans = healthy();
  for (let index = 0; index < roots; index += 1) {
    const at = 100_000 + index;
    spans.push(
      span('legacy', 'server', hex(0x10000000 + index, 16), undefined, [at, at + 1], {
        traceId: hex(0x7000000 + index, 32),
        attributes: { 'net.host.port': 1024 + (index % 64_000), 'net.peer.port': 8080 },
      }),
    );
  }
  return { spans, probes: [probe] };
}

/**
 * `count` probes; probe i's entry calls b, unanswered, and b starts a trace of its own (blamed on
 * that call, attached to probe i) that makes `count - i` unanswered calls to c's port 9003. Then
 * c starts one new root at 9003 per such call, much later, each blamed on one of them. Rule 0
 * read every call to 9003 again for each of c's roots, though all of them belong to attached
 * traces and can never explain one: 61,000 roots x 61,000 calls, in one synchronous turn.
 */
function attachedCalls(count: number): { spans: SpanRecord[]; probes: TargetProbe[] } {
  const spans: SpanRecord[] = [];
  const sent: TargetProbe[] = [];
  const end = 1e7;
  let id = 1;
  let calls = 0;
  for (let index = 0; index < count; index += 1) {
    const traceId = hex(0x1000000 + index, 32);
    const spanId = hex(0xabc00000 + index, 16);
    sent.push({ ...probe, index: index + 1, traceId, spanId, startMs: 0, endMs: end });
    const entry = hex(id++, 16);
    const broken = hex(0x5000000 + index, 32);
    const root = hex(id++, 16);
    const at = 1 + index;
    spans.push(
      span('a', 'server', entry, spanId, [0, end], {
        traceId,
        attributes: { 'server.port': 9001 },
      }),
      span('a', 'client', hex(id++, 16), entry, [at, end], {
        traceId,
        attributes: { 'server.port': 9002 },
      }),
      span('b', 'server', root, undefined, [at, end], {
        traceId: broken,
        attributes: { 'server.port': 9002 },
      }),
    );
    for (let call = index; call < count; call += 1, calls += 1) {
      spans.push(
        span('b', 'client', hex(id++, 16), root, [at + 0.5, end], {
          traceId: broken,
          attributes: { 'server.port': 9003 },
        }),
      );
    }
  }
  for (let index = 0; index < calls; index += 1) {
    const at = 100_000 + index;
    spans.push(
      span('c', 'server', hex(id++, 16), undefined, [at, at + 1], {
        traceId: hex(0x9000000 + index, 32),
        attributes: { 'server.port': 9003 },
      }),
    );
  }
  return { spans, probes: sent };
}

/**
 * ONE probe; its entry (a) calls b `traces` times, unanswered, and for each call b starts a trace
 * of its own (blamed on that call, attached to the probe) that makes `calls` unanswered calls to
 * c's port 9003. With `roots`, c then starts one new root per such call, much later, each blamed
 * on one of them and attached to the same probe: the probe holds traces x calls calls and as many
 * breaks. The verdict's checks searched the probe's breaks (and the run's leaks) for every one of
 * its calls, and a late span searched them for every call too: n^2 in one synchronous turn.
 */
function oneProbe(
  traces: number,
  calls: number,
  roots = true,
): { spans: SpanRecord[]; probes: TargetProbe[] } {
  const end = 1e7;
  const traceId = hex(0x1000000, 32);
  const spanId = hex(0xabc00000, 16);
  const sent: TargetProbe[] = [{ ...probe, traceId, spanId, startMs: 0, endMs: end }];
  let id = 1;
  const entry = hex(id++, 16);
  const spans = [
    span('a', 'server', entry, spanId, [0, end], { traceId, attributes: { 'server.port': 9001 } }),
  ];
  for (let index = 0; index < traces; index += 1) {
    const broken = hex(0x5000000 + index, 32);
    const root = hex(id++, 16);
    const at = 1 + index;
    spans.push(
      span('a', 'client', hex(id++, 16), entry, [at, end], {
        traceId,
        attributes: { 'server.port': 9002 },
      }),
      span('b', 'server', root, undefined, [at, end], {
        traceId: broken,
        attributes: { 'server.port': 9002 },
      }),
    );
    for (let call = 0; call < calls; call += 1) {
      spans.push(
        span('b', 'client', hex(id++, 16), root, [at + 0.5, end], {
          traceId: broken,
          attributes: { 'server.port': 9003 },
        }),
      );
    }
  }
  for (let index = 0; roots && index < traces * calls; index += 1) {
    const at = 100_000 + index;
    spans.push(
      span('c', 'server', hex(id++, 16), undefined, [at, at + 1], {
        traceId: hex(0x9000000 + index, 32),
        attributes: { 'server.port': 9003 },
      }),
    );
  }
  return { spans, probes: sent };
}

/** The probes and roots of each mode (none: the unrelated requests of `flood`). */
const MODES: Record<string, () => ReturnType<typeof manyProbes>> = {
  probes: () => manyProbes(4_000, 50_000),
  probed: () => manyProbes(4_000, 50_000, 'payment', 'producer'),
  // Client roots of a service the probes reach: each one blamed adds its own unanswered call to
  // its probe, and rules 1 and 2 once walked all of them for every later root.
  'probed-client': () => manyProbes(4_000, 50_000, 'payment', 'client', 10_000),
  // Server roots of a service in every probe's trace: rule 3 looks for a forwarder of each.
  'probed-server': () => manyProbes(4_000, 10_000, 'payment', 'server'),
  // The same with 50,000 roots: rule 3 read every probe for each root (probes x roots); and
  // server roots of a service no probe reaches, which read every span of every probe.
  'probed-server-wide': () => manyProbes(4_000, 50_000, 'payment', 'server'),
  'unreached-server': () => manyProbes(4_000, 4_000, 'cron', 'server'),
  'peer-ports': () => peerPorts(192_000),
  'attached-calls': () => attachedCalls(350),
  // 80,000 roots attached to one probe (8 traces of b, 10,000 calls each), within the default
  // max-spans (200,000); and one attached trace of 140,000 unanswered calls, no roots.
  'one-probe': () => oneProbe(8, 10_000),
  'one-probe-wide': () => oneProbe(1, 140_000, false),
};

const mode = MODES[process.argv[2] ?? ''];
const result =
  mode === undefined
    ? verify([...healthy(), ...flood(50_000)])
    : ((run) => verify(run.spans, {}, run.probes))(mode());
// How many probes failed: the ones the roots were blamed on (the service lost its context).
const blamed = result.probes.filter((p) => !p.passed).length;
process.stdout.write(
  JSON.stringify({ passed: result.passed, failed: result.failedChecks, blamed }),
);
