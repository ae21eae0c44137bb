// The fan-out flake of causal.test.ts ("service-a -> X breaks; service-c, in flight meanwhile, is
// not blamed"), as a unit test with the spans of a failing run (s21, load 12, times shifted to
// start at 10000 ms; the probes' own send and answer times are not in the report: each is set
// 1 ms around its entry span). service-a calls service-b (port 36705) and service-c (port 39631)
// in parallel for every request; service-c ignores the incoming context, so each request makes it
// begin a new trace. One readiness request (no probe's), then three probes in sequence.
//
// Probe 1's call to service-c ran from 10748 to 11167.9 and service-c's new trace began at 11115,
// inside it. Probe 2's call to service-c began at 11358: 243 ms after that break, within the
// 250 ms max-clock-skew. Rule 1 took the call whose start is nearest to the break on either side,
// so it gave the break to probe 2, probe 2's break to probe 3, and probe 3's break found no call
// left: rule 3 blamed service-b (in flight in probe 3) as an uninstrumented caller, and probe 1
// read "sampled flag lost". A call that holds the break without the skew should win over one that
// holds it only with the skew, and now does (attribution-calls.ts, `closestCall`).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifyTarget, type TargetProbe } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';
import { httpSpan, probeAround } from '../helpers/target-spans';

const PORTS = { a: 44915, b: 36705, c: 39631 } as const;
type Service = keyof typeof PORTS;
type Row = [string, string, string | undefined, Service, 'server' | 'client', [number, number]];

// trace id, span id, parent span id, service, kind, [start, end] in ms.
// prettier-ignore
const ROWS: Row[] = [
  ['38d4b950a11fc34075dcd1d8655e5f63', 'a901e3bf39e85911', undefined, 'a', 'server', [10000, 10256.4]],
  ['38d4b950a11fc34075dcd1d8655e5f63', 'b636f54dbf4064d8', 'a901e3bf39e85911', 'a', 'client', [10011, 10188.7]],
  ['38d4b950a11fc34075dcd1d8655e5f63', '90870d33c1adabdc', 'a901e3bf39e85911', 'a', 'client', [10029, 10213.4]],
  ['38d4b950a11fc34075dcd1d8655e5f63', 'efb6fa219f1cc8c9', 'b636f54dbf4064d8', 'b', 'server', [10066, 10199]],
  ['e75955ea154b126021114ba6be8df715', 'd027bf1fc223c56c', undefined, 'c', 'server', [10073, 10225.6]],
  ['9b8abcdf894b8a06aea2ee8ebed444dc', '6beca47522da5511', '4ff721a4fb0d0a0a', 'a', 'server', [10745, 11202.3]],
  ['9b8abcdf894b8a06aea2ee8ebed444dc', 'd18587318327a8e0', '6beca47522da5511', 'a', 'client', [10747, 10987.6]],
  ['9b8abcdf894b8a06aea2ee8ebed444dc', '498a4a36067ca599', '6beca47522da5511', 'a', 'client', [10748, 11167.9]],
  ['9b8abcdf894b8a06aea2ee8ebed444dc', 'af839fbe285d2031', 'd18587318327a8e0', 'b', 'server', [10860, 10968.5]],
  ['f06e5400868d7ac8ae8577b097568f7e', 'e28bd8fa12a8109d', undefined, 'c', 'server', [11115, 11167.1]],
  ['74f2d7e6d0bc5a639a8c6f4f70918ced', 'd30467391b6aa39c', 'b0a327c91f1ec739', 'a', 'server', [11338, 11467.6]],
  ['74f2d7e6d0bc5a639a8c6f4f70918ced', '5ef1352d4b9f161c', 'd30467391b6aa39c', 'a', 'client', [11344, 11427.6]],
  ['74f2d7e6d0bc5a639a8c6f4f70918ced', 'c16059a83155ad77', 'd30467391b6aa39c', 'a', 'client', [11358, 11451.4]],
  ['74f2d7e6d0bc5a639a8c6f4f70918ced', 'e551f8c5d056f83a', '5ef1352d4b9f161c', 'b', 'server', [11360, 11422.6]],
  ['ef452aa6e5087666786662e483fcc63d', '850b017939629656', undefined, 'c', 'server', [11391, 11448.5]],
  ['f00f5105bd364f94411bf870bab7a9f0', '456e17c1147d5aa8', 'a0db9ca1057d3329', 'a', 'client', [11476, 11557.2]],
  ['f00f5105bd364f94411bf870bab7a9f0', 'a0db9ca1057d3329', '4dd72860ec93bdff', 'a', 'server', [11476, 11558.3]],
  ['f00f5105bd364f94411bf870bab7a9f0', 'd48b030be7b5da4e', 'a0db9ca1057d3329', 'a', 'client', [11477, 11551.6]],
  ['f00f5105bd364f94411bf870bab7a9f0', 'fbb4559d985be167', '456e17c1147d5aa8', 'b', 'server', [11483, 11545.4]],
  ['2c87c5bf5097eb0f752c14128519ed41', '08f72be6fb9b74e1', undefined, 'c', 'server', [11486, 11544.1]],
];

function record([traceId, spanId, parentSpanId, service, kind, window]: Row): SpanRecord {
  const to = kind === 'client' ? callee(spanId) : service;
  return httpSpan(
    traceId,
    spanId,
    parentSpanId,
    `service-${service}`,
    kind,
    window,
    PORTS[to],
    `/service-${to}`,
  );
}

/** The service a client span of service-a called: service-b's port first in each request. */
function callee(spanId: string): Service {
  const called: Record<string, Service> = {
    b636f54dbf4064d8: 'b',
    '90870d33c1adabdc': 'c',
    d18587318327a8e0: 'b',
    '498a4a36067ca599': 'c',
    '5ef1352d4b9f161c': 'b',
    c16059a83155ad77: 'c',
    '456e17c1147d5aa8': 'b',
    d48b030be7b5da4e: 'c',
  };
  return called[spanId]!;
}

function probeOf(index: number, spanId: string, entry: Row): TargetProbe {
  return probeAround(index, entry[0], spanId, entry[5]);
}

const entryOf = (id: string): Row => ROWS.find(([, spanId]) => spanId === id)!;
const PROBES = [
  probeOf(1, '4ff721a4fb0d0a0a', entryOf('6beca47522da5511')),
  probeOf(2, 'b0a327c91f1ec739', entryOf('d30467391b6aa39c')),
  probeOf(3, '4dd72860ec93bdff', entryOf('a0db9ca1057d3329')),
];

function verification() {
  return verifyTarget({
    probes: PROBES,
    spans: ROWS.map(record),
    expectServices: ['service-a', 'service-b', 'service-c'],
    header: 'traceparent',
    maxClockSkewMs: 250,
  });
}

describe('the fan-out flake: spans of a failing run', () => {
  test('each probe gets the break that began inside its own call; the sibling in flight is not blamed', () => {
    const result = verification();
    const edge =
      /^service-a -> service-c \(GET http:\/\/127\.0\.0\.1:39631\/service-c\): service-c started a new trace/;
    for (const probe of result.probes) {
      const diagnoses = probe.diagnoses.join('\n');
      assert.ok(
        probe.diagnoses.some((d) => edge.test(d)),
        `probe ${probe.index}:\n${diagnoses}`,
      );
      assert.ok(
        !probe.diagnoses.some((d) => d.startsWith('service-b ') || d.includes('-> service-b ')),
        `probe ${probe.index}:\n${diagnoses}`,
      );
    }
    const roots = result.checks.find((c) => c.check === 'no_new_roots');
    assert.equal(roots?.failed, 3);
  });

  test('the verdict itself is right: the run fails', () => {
    const result = verification();
    assert.equal(result.passed, false);
    assert.ok(result.failedChecks.includes('no_new_roots'), result.failedChecks.join());
  });
});
