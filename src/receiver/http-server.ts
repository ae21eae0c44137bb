import { getErrorMessage } from '../errors';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyPool } from './body-pool';
import { jsonSource } from './decode-json';
import { protobufSourceYielding } from './decode-protobuf';
import { CONTENT_TYPES, encodeExportResponse, encodeStatus } from './encode-response';
import { ingest } from './ingest';
import { DecodeError, type OtlpEncoding, type ServerOptions } from './internal-types';
import { listenOn } from './listen-error';
import { readBody, type ContentEncoding } from './read-body';
import type { SpanStore } from './span-store';

export type HttpServerOptions = ServerOptions;

export interface RunningHttpServer {
  port: number;
  /** Requests to paths other than the trace paths, by path (a bounded few): a misconfigured endpoint. */
  unknownPaths(): { path: string; count: number }[];
  close(): Promise<void>;
}

/** Distinct unknown paths remembered, and their length: a hint, not a log. */
const MAX_UNKNOWN_PATHS = 10;
const MAX_PATH_CHARS = 100;

/** `/v1/traces` is OTLP's default path; `/` serves exporters configured with a bare base URL. */
const TRACE_PATHS = new Set(['/v1/traces', '/']);

// After a 413 the rest of the body is read and dropped, so the client can read the answer
// instead of failing on a reset connection; past these bounds the connection is cut instead.
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 5_000;

// gRPC status codes, carried in google.rpc.Status.code for troubleshooting.
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_INTERNAL = 13;

/** Starts the OTLP/HTTP server; rejects with an InputError when the port cannot be had. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { host, port, store } = options;
  const unknownPaths = new Map<string, number>();
  const bodies = new BodyPool();
  const server = createServer((request, response) => {
    store.noteRequest('http');
    const path = (request.url ?? '/').split('?')[0]!.slice(0, MAX_PATH_CHARS);
    if (!TRACE_PATHS.has(path) && (unknownPaths.has(path) || unknownPaths.size < MAX_UNKNOWN_PATHS))
      unknownPaths.set(path, (unknownPaths.get(path) ?? 0) + 1);
    handle(request, response, options, bodies).catch((error: unknown) => {
      // handle() answers every expected failure itself; anything else still gets an answer.
      fail(
        response,
        'json',
        500,
        GRPC_INTERNAL,
        `Internal error: ${getErrorMessage(error)}`,
        store,
      );
    });
  });
  await listenOn(server, options, host, port);
  return {
    port: (server.address() as AddressInfo).port,
    unknownPaths: () => [...unknownPaths].map(([path, count]) => ({ path, count })),
    close: () => closeServer(server),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: HttpServerOptions,
  bodies: BodyPool,
): Promise<void> {
  const { store, maxBodyBytes } = options;
  const path = (request.url ?? '/').split('?')[0]!;
  const encoding = encodingOf(request.headers['content-type']);
  // Errors are written in the request's encoding when it has a known one, else as JSON.
  const replyEncoding = encoding ?? 'json';

  if (!TRACE_PATHS.has(path)) {
    return fail(response, replyEncoding, 404, GRPC_NOT_FOUND, notFound(path), store);
  }
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    const message = `Method ${request.method} is not allowed on ${path}; OTLP/HTTP exports use POST.`;
    return fail(response, replyEncoding, 405, GRPC_UNIMPLEMENTED, message, store);
  }
  if (encoding === undefined) {
    const message = `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not supported; use application/x-protobuf or application/json.`;
    return fail(response, replyEncoding, 415, GRPC_INVALID_ARGUMENT, message, store);
  }
  const contentEncoding = contentEncodingOf(request.headers['content-encoding']);
  if (contentEncoding === undefined) {
    const message = `Content-Encoding ${JSON.stringify(request.headers['content-encoding'])} is not supported; use gzip or none.`;
    return fail(response, encoding, 415, GRPC_INVALID_ARGUMENT, message, store);
  }

  const result = await readBody(
    request,
    contentEncoding,
    maxBodyBytes,
    declaredLength(request.headers['content-length']),
    // Both decoders copy what they keep out of the body (no view into it outlives the request).
    bodies,
  );
  if (!result.ok) {
    if (result.problem === 'aborted') {
      store.noteFailedRequest();
      response.destroy();
      return;
    }
    if (result.problem === 'too-large') {
      const drained = await drain(request);
      if (!drained) response.setHeader('Connection', 'close');
      fail(response, encoding, 413, GRPC_RESOURCE_EXHAUSTED, result.message, store);
      if (!drained) response.once('finish', () => request.destroy());
      return;
    }
    return fail(response, encoding, 400, GRPC_INVALID_ARGUMENT, result.message, store);
  }

  await decodeAndAnswer(response, encoding, result.body, store);
  // Done with the body (decoded, or refused with a 400): its buffer serves the next request. Not
  // after an unexpected error (the receiver closing mid-decode): that buffer is dropped.
  if (result.pooled !== undefined) bodies.give(result.pooled);
}

/** Decodes and stores a body's spans, then answers: 200 (with any partial success) or 400. */
async function decodeAndAnswer(
  response: ServerResponse,
  encoding: OtlpEncoding,
  body: Buffer,
  store: SpanStore,
): Promise<void> {
  let outcome;
  try {
    // Either first pass may yield to the event loop, as decoding does (see ingest's pauses). The
    // JSON pass reads spans as it validates them, up to the store's room.
    const source =
      encoding === 'json'
        ? await jsonSource(body, store.room())
        : await protobufSourceYielding(body);
    if (store.isClosed) throw new Error('The receiver closed while the request was decoded.');
    outcome = await ingest(source, store);
  } catch (error) {
    // Anything else (the receiver closing mid-decode) is answered by the caller with a 500.
    if (!(error instanceof DecodeError)) throw error;
    return fail(response, encoding, 400, GRPC_INVALID_ARGUMENT, error.message, store);
  }
  send(
    response,
    encoding,
    200,
    encodeExportResponse(encoding, outcome.rejectedSpans, outcome.errorMessage),
  );
}

function notFound(path: string): string {
  const shown = path.length > 100 ? `${path.slice(0, 100)}…` : path;
  return `No OTLP endpoint at ${JSON.stringify(shown)}; traces go to POST /v1/traces.`;
}

/** The media type without parameters (`; charset=utf-8`), case-insensitive, as HTTP defines it. */
function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

function contentEncodingOf(header: string | undefined): ContentEncoding | undefined {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  return undefined;
}

/** Content-Length as a number, when it is one (Node's parser has already checked the framing). */
function declaredLength(header: string | undefined): number | undefined {
  return header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/** Reads and drops the rest of a body, within bounds; true when it reached the end. */
function drain(request: IncomingMessage): Promise<boolean> {
  if (request.readableEnded) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let dropped = 0;
    const done = (ended: boolean): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      if (!ended) request.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      dropped += chunk.length;
      if (dropped > DRAIN_MAX_BYTES) done(false);
    };
    const onEnd = (): void => done(true);
    const onClose = (): void => done(request.readableEnded);
    const timer = setTimeout(() => done(false), DRAIN_MAX_MS);
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onClose);
    request.resume();
  });
}

function fail(
  response: ServerResponse,
  encoding: OtlpEncoding,
  status: number,
  grpcCode: number,
  message: string,
  store: SpanStore,
): void {
  store.noteFailedRequest();
  send(response, encoding, status, encodeStatus(encoding, grpcCode, message));
}

function send(response: ServerResponse, encoding: OtlpEncoding, status: number, body: Buffer) {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPES[encoding],
    'Content-Length': body.length,
  });
  response.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    // close() stops accepting; closeAllConnections() ends keep-alive and in-flight sockets too,
    // which close() alone would wait for.
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
