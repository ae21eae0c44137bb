import { execFile } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  EXPORT_METHOD_PATH,
  ExportTraceServiceResponse,
  RpcStatus,
} from '../../src/receiver/otlp-schema';
import { PARENT_ID, TRACE_ID } from './bodies';

export * from './bodies';

/** Every network wait in these tests gives up after this long. */
export const IO_TIMEOUT_MS = 15_000;

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request on a fresh connection, bounded in time; the reply body is read whole. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        headers: options.headers,
        agent: false,
        signal: AbortSignal.timeout(IO_TIMEOUT_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Reads an OTLP/HTTP success body, in either encoding, as a plain object. */
export function decodeExportResponse(reply: HttpReply): {
  partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
} {
  if (reply.headers['content-type'] === 'application/json')
    return JSON.parse(reply.body.toString());
  return ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(reply.body), {
    longs: String,
  });
}

/** Reads a google.rpc.Status error body, in either encoding. */
export function decodeStatus(reply: HttpReply): { code?: number; message?: string } {
  if (reply.headers['content-type'] === 'application/json')
    return JSON.parse(reply.body.toString());
  return RpcStatus.toObject(RpcStatus.decode(reply.body));
}

export interface FixtureIds {
  server: { traceId: string; spanId: string };
  client: { traceId: string; spanId: string };
  root: { traceId: string; spanId: string };
}

const FIXTURE = join(import.meta.dirname, 'fixtures', 'export-trace.mjs');

/**
 * Runs the exporter fixture as its own Node process (the receiver's real clients are other
 * processes), with a clean OTEL_* environment, bounded in time; resolves with the ids it made.
 */
export function runExporterFixture(
  protocol: 'proto' | 'json' | 'grpc',
  endpoint: string,
  service: string,
): Promise<FixtureIds> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_')) env[key] = value;
  }
  env['OTEL_EXPORTER_OTLP_ENDPOINT'] = endpoint;
  return new Promise<FixtureIds>((resolve, reject) => {
    execFile(
      process.execPath,
      [FIXTURE, protocol, service, TRACE_ID, PARENT_ID],
      { env, timeout: 30_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`fixture ${protocol} failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as FixtureIds);
      },
    );
  });
}

/** One raw gRPC unary Export: bytes in, bytes (or a status error) out, bounded by a deadline. */
export function exportRaw(client: grpc.Client, body: Buffer): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(
      EXPORT_METHOD_PATH,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      body,
      new grpc.Metadata(),
      { deadline: Date.now() + IO_TIMEOUT_MS },
      (error, response) => (error ? reject(error) : resolve(response!)),
    );
  });
}
