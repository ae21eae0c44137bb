// Target-mode verdicts from the receiver's own array (which carries the span store's columns, so
// the verifier reads those: src/verify/column-graph.ts) against a plain copy of it (no columns:
// the span objects are read). Spans travel as OTLP/JSON over loopback into the real receiver, so
// the columns are the ones its decoder and store write: ports as numbers and as strings, broken
// chains, wrong kinds, resends, spans past `max-spans`, a snapshot taken while spans still arrive.
// The port and span-count columns decide the listener attribution and the counts of the result.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startReceiver, type Receiver } from '../../src/receiver';
import { verifyTarget, type TargetProbe } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const hex = (value: number, digits: number): string =>
  value.toString(16).padStart(digits, '0').slice(-digits);

type OtlpSpan = Record<string, unknown>;

interface Run {
  probes: TargetProbe[];
  /** The spans of each service, in export order. */
  byService: Map<string, OtlpSpan[]>;
}

/** Chains of server and client spans, one per probe, with a fault now and then at each step. */
function chains(seed: number): Run {
  const next = random(seed * 7919);
  const fault = (): boolean => next() < 0.12;
  const byService = new Map<string, OtlpSpan[]>();
  const push = (service: string, span: OtlpSpan): void => {
    byService.set(service, [...(byService.get(service) ?? []), span]);
  };
  let ids = seed * 1000;
  const newId = (): string => hex(((++ids * 2654435761) % 2 ** 48) + 1, 16);
  const nanos = (ms: number): string => `${ms}000000`;
  const probes: TargetProbe[] = [];
  const depth = 2 + Math.floor(next() * 3);
  for (let index = 0; index < 1 + Math.floor(next() * 3); index += 1) {
    const traceId = hex(seed * 10 + index + 1, 32);
    const probeSpan = hex(0xabc000 + seed * 10 + index, 16);
    probes.push({
      index: index + 1,
      traceId,
      spanId: probeSpan,
      startMs: 1000,
      endMs: 5000,
      status: fault() ? 500 : 200,
      error: undefined,
    });
    let [parent, trace] = [probeSpan, traceId];
    for (let hop = 0; hop < depth; hop += 1) {
      const service = `svc${hop}`;
      const serverId = newId();
      const port = fault()
        ? { key: 'server.port', value: { stringValue: String(9000 + hop) } }
        : fault()
          ? { key: 'net.host.port', value: { stringValue: 'none' } }
          : { key: 'server.port', value: { intValue: 9000 + hop } };
      const serverTrace = fault() ? hex(0xf00 + seed * 10 + index, 32) : trace;
      const serverParent = fault() ? newId() : parent;
      if (!fault()) {
        push(service, {
          traceId: serverTrace,
          spanId: serverId,
          parentSpanId: serverParent,
          name: 'GET',
          kind: fault() ? 3 : 2,
          startTimeUnixNano: nanos(1100 + hop * 100),
          endTimeUnixNano: nanos(4900 - hop * 100),
          attributes: [port],
          flags: fault() ? 0x300 : 0x301,
        });
      }
      if (hop === depth - 1) break;
      const clientId = newId();
      push(service, {
        traceId: serverTrace,
        spanId: clientId,
        parentSpanId: serverId,
        name: 'GET',
        kind: 3,
        startTimeUnixNano: nanos(1150 + hop * 100),
        endTimeUnixNano: nanos(4850 - hop * 100),
        attributes: [
          { key: 'server.port', value: { intValue: 9001 + hop } },
          { key: 'server.address', value: { stringValue: '127.0.0.1' } },
        ],
        flags: 0x301,
      });
      [parent, trace] = [clientId, serverTrace];
    }
  }
  return { probes, byService };
}

async function send(receiver: Receiver, service: string, spans: OtlpSpan[]): Promise<void> {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans }],
      },
    ],
  };
  const response = await fetch(`${receiver.httpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
}

function verdict(probes: TargetProbe[], spans: readonly SpanRecord[]): string {
  return JSON.stringify(
    verifyTarget({
      probes,
      spans,
      expectServices: ['svc0', 'svc1'],
      header: 'traceparent',
      maxClockSkewMs: 50,
    }),
  );
}

describe('target verdicts: the store columns and the span objects agree', () => {
  let receivers: Receiver[] = [];
  before(() => {
    receivers = [];
  });
  after(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
  });

  test('for 40 seeded chains through the real receiver, with snapshots mid-export', async () => {
    let passed = 0;
    for (let seed = 1; seed <= 40; seed += 1) {
      const { probes, byService } = chains(seed);
      const receiver = await startReceiver({
        httpPort: 0,
        grpcPort: 'disabled',
        maxSpans: seed % 5 === 0 ? 12 : 10_000,
      });
      receivers.push(receiver);
      const exports = [...byService.entries()];
      const cut = seed % (exports.length + 1);
      for (const [service, spans] of exports.slice(0, cut)) await send(receiver, service, spans);
      const early = receiver.spans();
      const earlyCopy = [...early];
      for (const [service, spans] of exports.slice(cut)) {
        await send(receiver, service, spans);
        if (seed % 3 === 0) await send(receiver, service, [...spans].reverse()); // a resend
      }
      const late = receiver.spans();
      for (const [spans, copy] of [
        [early, earlyCopy],
        [late, [...late]],
      ] as const) {
        const fromColumns = verdict(probes, spans);
        assert.equal(fromColumns, verdict(probes, copy), `seed ${seed}`);
        if ((JSON.parse(fromColumns) as { passed: boolean }).passed) passed += 1;
      }
      await receiver.close();
      receivers = receivers.filter((kept) => kept !== receiver);
    }
    // Both verdicts occur, so agreement is not two empty results.
    assert.ok(passed > 0, 'no passing verdict among the seeds');
    assert.ok(passed < 80, 'no failing verdict among the seeds');
  });
});
