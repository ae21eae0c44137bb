// The receiver as it ships: dist/index.js, copied to a folder with no node_modules above it (as the
// runner has it), runs target mode against a tiny target that exports its trace to the receiver
// three ways (gzipped OTLP/JSON, OTLP/protobuf, OTLP/gRPC) and sends one malformed protobuf body.
// The bundle must carry its OTLP schema and read no .proto file at run time: the three exports are
// accepted, the malformed one refused with 400, and the verdict passes with all three services
// seen. This runs the dist/ that check-dist has just proved to be the build of src/, instead of
// building a bundle of its own.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { assertEndedByItself, runGuarded, verdictOf } from '../robustness/helpers/dist';
import { freePorts } from '../target/harness';
import { IO_TIMEOUT_MS, jsonRequest, jsonSpan, protobufRequest, send } from './helpers';

const SERVICES = ['bundled-json', 'bundled-proto', 'bundled-grpc'];

/** One unary OTLP/gRPC export; resolves with the gRPC status code (0 is OK). */
function grpcExport(port: number, body: Buffer): Promise<number> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<number>((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      body,
      new grpc.Metadata(),
      { deadline: Date.now() + IO_TIMEOUT_MS },
      (error) => {
        client.close();
        resolve(error?.code ?? grpc.status.OK);
      },
    );
  });
}

/**
 * The spans of a three-service chain under the probe's context: each service has a server span
 * (its parent extracted from the caller, flags 0x301) and all but the last a client span calling
 * the next one, so every call is answered and the trace has one root, the probe.
 */
function chainSpans(traceId: string, probeSpanId: string): Record<string, unknown>[][] {
  const now = BigInt(Date.now()) * 1_000_000n;
  const at = (ms: number): string => String(now + BigInt(ms) * 1_000_000n);
  const id = (service: number, client: boolean): string =>
    `${client ? 'c' : 'a'}${service}`.padEnd(16, '0');
  return SERVICES.map((service, index) => {
    const server = jsonSpan({
      traceId,
      spanId: id(index, false),
      parentSpanId: index === 0 ? probeSpanId : id(index - 1, true),
      name: `GET /${service}`,
      kind: 2,
      flags: 0x301,
      startTimeUnixNano: at(2 * index),
      endTimeUnixNano: at(20 - 2 * index),
    });
    if (index === SERVICES.length - 1) return [server];
    const client = jsonSpan({
      traceId,
      spanId: id(index, true),
      parentSpanId: id(index, false),
      name: 'GET',
      kind: 3,
      flags: 0x101,
      startTimeUnixNano: at(2 * index + 1),
      endTimeUnixNano: at(19 - 2 * index),
    });
    return [server, client];
  });
}

interface Exports {
  /** HTTP statuses of the gzipped JSON, protobuf and malformed exports, then the gRPC code. */
  statuses: number[];
}

/** A target that, for each probe, exports the chain's spans before it answers. */
async function exportingTarget(
  httpPort: number,
  grpcPort: number,
): Promise<{ server: http.Server; url: string; exports: Exports[] }> {
  const exports: Exports[] = [];
  const receiver = `http://127.0.0.1:${httpPort}/v1/traces`;
  const protobuf = { 'content-type': 'application/x-protobuf' };
  const server = http.createServer((request, response) => {
    request.resume();
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
      String(request.headers.traceparent ?? ''),
    );
    if (match === null) return void response.writeHead(400).end('no traceparent');
    const [json, proto, viaGrpc] = chainSpans(match[1]!, match[2]!);
    void (async () => {
      const statuses = [
        (
          await send(receiver, {
            headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
            body: gzipSync(jsonRequest(SERVICES[0]!, json!)),
          })
        ).status,
        (await send(receiver, { headers: protobuf, body: protobufRequest(SERVICES[1]!, proto!) }))
          .status,
        (await send(receiver, { headers: protobuf, body: Buffer.from([0x17, 0x00]) })).status,
        await grpcExport(grpcPort, protobufRequest(SERVICES[2]!, viaGrpc!)),
      ];
      exports.push({ statuses });
    })()
      .catch(() => exports.push({ statuses: [] }))
      .finally(() => response.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, exports };
}

test('dist/ run without node_modules receives OTLP as gzipped JSON, protobuf and gRPC', async () => {
  const [httpPort, grpcPort] = await freePorts(2);
  const target = await exportingTarget(httpPort!, grpcPort!);
  try {
    const run = await runGuarded({
      'target-url': target.url,
      'expect-services': SERVICES.join(','),
      settle: '100',
      'receiver-http-port': String(httpPort),
      'receiver-grpc-port': String(grpcPort),
      timeout: '20',
    });
    assertEndedByItself(run);
    assert.deepEqual(target.exports, [{ statuses: [200, 200, 400, grpc.status.OK] }]);
    const { verdict, result, error } = verdictOf(run);
    assert.equal(verdict, 'pass', `${error}\n${run.stdout.slice(0, 3000)}`);
    assert.equal(run.code, 0);
    assert.deepEqual([...result.services_seen].sort(), [...SERVICES].sort());
    assert.deepEqual(
      [...new Set(result.spans.map((span) => span.service))].sort(),
      [...SERVICES].sort(),
    );
  } finally {
    target.server.closeAllConnections();
    await new Promise<void>((resolve) => target.server.close(() => resolve()));
  }
});
