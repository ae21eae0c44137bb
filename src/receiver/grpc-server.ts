import {
  constants as h2,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { getErrorMessage } from '../errors';
import {
  ACCEPT_ENCODING,
  frameMessage,
  GrpcStatus,
  messageEncodingOf,
  percentEncode,
  readMessage,
  timeoutOf,
} from './grpc-message';
import { protobufSourceYielding } from './decode-protobuf';
import { encodeExportResponse } from './encode-response';
import { CallEndedError, ingest } from './ingest';
import { DecodeError, type ServerOptions } from './internal-types';
import { listenOn } from './listen-error';
import { EXPORT_METHOD_PATH } from './otlp-schema';

export type GrpcServerOptions = ServerOptions;

export interface RunningGrpcServer {
  port: number;
  close(): Promise<void>;
}

// In-flight calls get this long to finish on close before their connections are cut.
const GRACEFUL_CLOSE_MS = 1_000;

// One client may run this many calls at once on a connection; more wait in its queue (HTTP/2
// SETTINGS_MAX_CONCURRENT_STREAMS). Exporters send a handful; the bound keeps a hostile client
// from holding thousands of half-sent messages on one connection.
const MAX_CONCURRENT_STREAMS = 100;
// Flow-control windows: an OTLP batch of a few hundred KiB arrives without waiting on
// WINDOW_UPDATE round trips (the HTTP/2 default is 64 KiB). Memory stays bounded by the message
// limit, since every byte is read as it arrives.
const STREAM_WINDOW_BYTES = 1024 * 1024;
const SESSION_WINDOW_BYTES = 8 * 1024 * 1024;
// nghttp2's own bookkeeping per connection, in MB (Node's default is 10): above it new calls
// are refused with ENHANCE_YOUR_CALM, which a burst of large exports could otherwise reach.
const MAX_SESSION_MEMORY_MB = 64;

// A status message stays well inside a client's header limits (grpc-js accepts 16 KiB of headers).
const MAX_MESSAGE_CHARS = 1_000;

const ignore = (): void => {};

const EMPTY_RESPONSE_FRAME = frameMessage(encodeExportResponse('protobuf', 0, ''));

/**
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export` served on node:http2 (h2c with
 * prior knowledge, as OTLP/gRPC exporters connect to an insecure endpoint), per the gRPC over
 * HTTP/2 protocol: length-prefixed messages, identity/gzip/deflate message encoding, the status in
 * trailers. The message is decoded with the same protobuf codec and `ingest` as OTLP/HTTP, so a
 * gRPC export is stored, limited and answered (partial success) exactly as an HTTP one.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { host, port } = options;
  const server = createServer({
    settings: {
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      initialWindowSize: STREAM_WINDOW_BYTES,
    },
    maxSessionMemory: MAX_SESSION_MEMORY_MB,
  });
  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // A protocol error from a client ends its connection; it must not reach the process.
    session.on('error', ignore);
    session.once('localSettings', () => {
      if (!session.destroyed) session.setLocalWindowSize(SESSION_WINDOW_BYTES);
    });
  });
  server.on('sessionError', ignore);
  server.on('stream', (stream, headers) => serveCall(stream, headers, options));

  await listenOn(server, options, host, port);
  // Errors after the bind (none expected for a listening socket) must not crash the run.
  server.on('error', ignore);
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server, sessions),
  };
}

/** One call: checks its headers, reads its one message, ingests it and answers. */
function serveCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  options: GrpcServerOptions,
): void {
  const { store } = options;
  store.noteRequest('grpc');
  const call = new Call(stream, store);
  // A reset or broken stream only ends this call.
  stream.on('error', ignore);

  const contentType = headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/grpc' && !mediaType.startsWith('application/grpc+')) {
    // The protocol's answer to a request that is not gRPC at all: HTTP 415.
    const message = `Content-Type ${JSON.stringify(contentType)} is not gRPC; use application/grpc.`;
    return call.fail(GrpcStatus.UNIMPLEMENTED, message, h2.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE);
  }
  const path = headers[':path'] ?? '';
  if (path !== EXPORT_METHOD_PATH) {
    const shown = path.length > 100 ? `${path.slice(0, 100)}…` : path;
    return call.fail(
      GrpcStatus.UNIMPLEMENTED,
      `The server does not implement the method ${shown}; it serves ${EXPORT_METHOD_PATH}.`,
    );
  }
  if (headers[':method'] !== 'POST') {
    return call.fail(GrpcStatus.UNIMPLEMENTED, 'gRPC calls use POST.', 405);
  }
  if (mediaType !== 'application/grpc' && mediaType !== 'application/grpc+proto') {
    const message = `Content-Type ${JSON.stringify(contentType)} is not supported; use application/grpc or application/grpc+proto.`;
    return call.fail(GrpcStatus.UNIMPLEMENTED, message);
  }
  const encoding = messageEncodingOf(headers['grpc-encoding']);
  if (encoding === undefined) {
    const shown = JSON.stringify(String(headers['grpc-encoding']).slice(0, 40));
    const message = `Message encoding ${shown} is not supported; use ${ACCEPT_ENCODING}.`;
    return call.fail(GrpcStatus.UNIMPLEMENTED, message);
  }
  const timeoutMs = timeoutOf(headers['grpc-timeout']);
  if (timeoutMs !== undefined) call.setDeadline(timeoutMs);

  readMessage(stream, encoding, options.maxBodyBytes, (result) => {
    if (!result.ok) return call.fail(result.code, result.message);
    call.process(result.message);
  });
}

/** The state of one call: answered once, whatever happens first (a result, a deadline, a reset). */
class Call {
  private done = false;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly store: GrpcServerOptions['store'],
  ) {
    // The client reset the stream (cancel, its own deadline) or the connection went away.
    stream.once('close', () => {
      this.clearDeadline();
      if (!this.done) {
        this.done = true;
        store.noteFailedRequest();
      }
    });
  }

  setDeadline(ms: number): void {
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      this.fail(GrpcStatus.DEADLINE_EXCEEDED, 'The deadline (grpc-timeout) passed.');
    }, ms);
    this.deadline.unref();
  }

  /** Decodes and stores the message, then answers OK (with partial success) or the error. */
  process(message: Buffer): void {
    if (this.done) return;
    const answer = async (): Promise<void> => {
      // The index pass yields to the event loop as decoding does: a large message (up to the
      // body limit) must not hold the loop for the whole pass, as over OTLP/HTTP.
      const source = await protobufSourceYielding(message);
      // As over OTLP/HTTP: nothing is stored once the receiver has closed.
      if (this.store.isClosed) throw new Error('The receiver closed while the call was decoded.');
      // A call reset or past its deadline before its message is decoded stores nothing: the
      // decoding stops at its next slice, and the slices decoded so far are dropped.
      const outcome = await ingest(source, this.store, {
        ended: () => this.done,
        committing: () => this.clearDeadline(),
      });
      // Full success, the usual answer, is an empty message: framed once, not encoded per call.
      this.succeed(
        outcome.rejectedSpans === 0
          ? EMPTY_RESPONSE_FRAME
          : frameMessage(
              encodeExportResponse('protobuf', outcome.rejectedSpans, outcome.errorMessage),
            ),
      );
    };
    answer().catch((error: unknown) => {
      // The call was already answered (deadline) or reset, and counted as failed.
      if (error instanceof CallEndedError) return;
      if (error instanceof DecodeError) this.fail(GrpcStatus.INVALID_ARGUMENT, error.message);
      else this.fail(GrpcStatus.INTERNAL, `Internal error: ${getErrorMessage(error)}`);
    });
  }

  private succeed(frame: Buffer): void {
    if (!this.finish() || !this.writable()) return;
    const stream = this.stream;
    stream.respond(
      {
        [h2.HTTP2_HEADER_STATUS]: 200,
        [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        'grpc-accept-encoding': ACCEPT_ENCODING,
      },
      { waitForTrailers: true },
    );
    stream.once('wantTrailers', () => {
      stream.sendTrailers({ 'grpc-status': String(GrpcStatus.OK), 'grpc-message': '' });
    });
    stream.end(frame);
  }

  /** A trailers-only answer: the status in the one HEADERS frame, and the stream ended. */
  fail(code: number, message: string, httpStatus = 200): void {
    if (!this.finish()) return;
    this.store.noteFailedRequest();
    if (!this.writable()) return;
    const stream = this.stream;
    stream.respond(
      {
        [h2.HTTP2_HEADER_STATUS]: httpStatus,
        [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        'grpc-accept-encoding': ACCEPT_ENCODING,
        'grpc-status': String(code),
        'grpc-message': percentEncode(
          message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
        ),
      },
      { endStream: true },
    );
    // The rest of the request is not wanted: NO_ERROR tells the client to stop sending it.
    if (!stream.readableEnded) stream.close(h2.NGHTTP2_NO_ERROR);
  }

  /** Marks the call answered; false when it already was. */
  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.clearDeadline();
    return true;
  }

  /** False once the client reset the stream or the connection went away. */
  private writable(): boolean {
    return !(this.stream.destroyed || this.stream.closed || this.stream.headersSent);
  }

  private clearDeadline(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.deadline = undefined;
  }
}

function closeServer(server: Http2Server, sessions: Set<Http2Session>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      for (const session of sessions) session.destroy();
    }, GRACEFUL_CLOSE_MS);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    // GOAWAY: no new calls; the calls in flight finish (or are cut when the timer fires).
    for (const session of sessions) session.close();
  });
}
