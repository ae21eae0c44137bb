import {
  constants as h2,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Call } from './grpc-call';
import {
  ACCEPT_ENCODING,
  GrpcStatus,
  messageEncodingOf,
  readMessage,
  timeoutOf,
} from './grpc-message';
import type { ServerOptions } from './internal-types';
import { listenOn } from './listen-error';
import { EXPORT_METHOD_PATH } from './otlp-schema';

/** Bounds on what one client may hold (the defaults below; tests set short ones). */
export interface GrpcLimits {
  /** A call's message must have arrived this long after the call opened. */
  receiveMs: number;
  /** A connection without a call in flight for this long is closed. */
  idleMs: number;
  /** Connections served at once; another one's calls are refused. */
  maxConnections: number;
}

export interface GrpcServerOptions extends ServerOptions {
  limits?: Partial<GrpcLimits>;
}

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

// A stalled or trickling sender is answered DEADLINE_EXCEEDED once its call has been open this
// long without its whole message: an OTLP batch takes milliseconds over loopback, 16 MiB well
// under a second, so 30 s is room for a slow network, not a wait a check would notice.
export const DEFAULT_RECEIVE_MS = 30_000;
// A connection with no call in flight is closed after this long (GOAWAY: an exporter reconnects at
// its next export), so an idle or silent client, or one that only pings, does not keep a socket.
export const DEFAULT_IDLE_MS = 60_000;
// Services under test hold one connection each (an OTLP exporter's channel); past this many at
// once, a new connection's calls are answered RESOURCE_EXHAUSTED and it is closed.
export const DEFAULT_MAX_CONNECTIONS = 100;
// A refused connection that sends no call is cut after this long.
const REFUSED_CONNECTION_MS = 1_000;

const ignore = (): void => {};

/**
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export` served on node:http2 (h2c with
 * prior knowledge, as OTLP/gRPC exporters connect to an insecure endpoint), per the gRPC over
 * HTTP/2 protocol: length-prefixed messages, identity/gzip/deflate message encoding, the status in
 * trailers. The message is decoded with the same protobuf codec and `ingest` as OTLP/HTTP, so a
 * gRPC export is stored, limited and answered (partial success) exactly as an HTTP one.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { host, port } = options;
  const limits: GrpcLimits = {
    receiveMs: DEFAULT_RECEIVE_MS,
    idleMs: DEFAULT_IDLE_MS,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    ...options.limits,
  };
  const server = createServer({
    settings: {
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      initialWindowSize: STREAM_WINDOW_BYTES,
    },
    maxSessionMemory: MAX_SESSION_MEMORY_MB,
  });
  const sessions = new Map<Http2Session, Connection>();
  let served = 0;
  server.on('session', (session: Http2Session) => {
    const connection = new Connection(session, limits, served >= limits.maxConnections);
    sessions.set(session, connection);
    if (!connection.refused) served += 1;
    session.once('close', () => {
      connection.closed();
      sessions.delete(session);
      if (!connection.refused) served -= 1;
    });
    // A protocol error from a client ends its connection; it must not reach the process.
    session.on('error', ignore);
    session.once('localSettings', () => {
      if (!session.destroyed) session.setLocalWindowSize(SESSION_WINDOW_BYTES);
    });
  });
  server.on('sessionError', ignore);
  server.on('stream', (stream, headers) => {
    const connection = sessions.get(stream.session!);
    if (connection?.refused === true) return refuseCall(stream, options, limits.maxConnections);
    connection?.callStarted(stream);
    serveCall(stream, headers, options, limits.receiveMs);
  });

  await listenOn(server, options, host, port);
  // Errors after the bind (none expected for a listening socket) must not crash the run.
  server.on('error', ignore);
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server, sessions.keys()),
  };
}

/**
 * One client connection's calls in flight, and the timer that closes it once it has had none for
 * `idleMs` (from its start, or its last call's end). A refused connection (over the cap) is
 * closed after its first call's refusal, or cut if it sends none.
 */
class Connection {
  private calls = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: Http2Session,
    private readonly limits: GrpcLimits,
    readonly refused: boolean,
  ) {
    if (refused) this.startTimer(REFUSED_CONNECTION_MS, () => session.destroy());
    else this.startIdleTimer();
  }

  callStarted(stream: ServerHttp2Stream): void {
    this.calls += 1;
    this.stopTimer();
    stream.once('close', () => {
      this.calls -= 1;
      if (this.calls === 0) this.startIdleTimer();
    });
  }

  closed(): void {
    this.stopTimer();
  }

  private startIdleTimer(): void {
    // GOAWAY; with no call in flight the connection then closes. A client that does not let go
    // is cut after the grace period.
    this.startTimer(this.limits.idleMs, () => {
      if (this.session.closed || this.session.destroyed) return;
      this.session.close();
      this.startTimer(GRACEFUL_CLOSE_MS, () => this.session.destroy());
    });
  }

  private startTimer(ms: number, fire: () => void): void {
    this.stopTimer();
    this.idleTimer = setTimeout(fire, ms);
    this.idleTimer.unref();
  }

  private stopTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** A call on a connection over the cap: RESOURCE_EXHAUSTED, then the connection is closed. */
function refuseCall(
  stream: ServerHttp2Stream,
  options: GrpcServerOptions,
  maxConnections: number,
): void {
  options.store.noteRequest('grpc');
  stream.on('error', ignore);
  const message = `The receiver serves at most ${maxConnections} gRPC connections at once; this one is refused. Retry once other clients have disconnected.`;
  new Call(stream, options.store).fail(GrpcStatus.RESOURCE_EXHAUSTED, message);
  const session = stream.session;
  if (session !== undefined && !session.closed) session.close();
}

/** One call: checks its headers, reads its one message, ingests it and answers. */
function serveCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  options: GrpcServerOptions,
  receiveMs: number,
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
    const message = `Content-Type ${quoted(contentType)} is not gRPC; use application/grpc.`;
    return call.fail(GrpcStatus.UNIMPLEMENTED, message, h2.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE);
  }
  const path = headers[':path'] ?? '';
  if (path !== EXPORT_METHOD_PATH) {
    return call.fail(
      GrpcStatus.UNIMPLEMENTED,
      `The server does not implement the method ${shortened(path)}; it serves ${EXPORT_METHOD_PATH}.`,
    );
  }
  if (headers[':method'] !== 'POST') {
    return call.fail(GrpcStatus.UNIMPLEMENTED, 'gRPC calls use POST.', 405);
  }
  if (mediaType !== 'application/grpc' && mediaType !== 'application/grpc+proto') {
    const message = `Content-Type ${quoted(contentType)} is not supported; use application/grpc or application/grpc+proto.`;
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
  call.setReceiveLimit(receiveMs);

  readMessage(stream, encoding, options.maxBodyBytes, (result) => {
    call.received();
    if (!result.ok) return call.fail(result.code, result.message);
    call.process(result.message);
  });
}

function closeServer(server: Http2Server, open: Iterable<Http2Session>): Promise<void> {
  const sessions = [...open];
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

/**
 * A header the client sent, as a status message quotes it: cut to 100 characters, so the message
 * keeps its advice and stays inside the client's metadata limit (see grpc-call.ts).
 */
function shortened(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function quoted(text: string): string {
  return JSON.stringify(shortened(text));
}
