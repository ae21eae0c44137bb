import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import Koa from 'koa';
import { InputError } from '../../errors';
import { scopeServer } from './telemetry/service-scope';
import type { HopClient } from './clients';
import { DownstreamError, HOP_FAILURE_STATUS, type HopFailure } from './hop-failure';
import { BAGGAGE_KEY, PROPAGATION_HEADERS, type ServiceAnswer } from './report-body';

export const HOST = '127.0.0.1';

export interface ServiceOptions {
  name: string;
  /** The route this service answers, e.g. `/call-b` or `/work`. */
  route: string;
  port: number;
  /** The input that chose the port, named in the error when the port is taken. */
  portInput: string;
  /**
   * Where this service sends its call (the next service, or a proxy before it), the callee's name
   * and the hop's number; absent for the last service.
   */
  next: { url: string; port: number; via?: string; name: string; hop: number } | undefined;
  /** The client for the next hop, created once and shared by every request. */
  client: HopClient | undefined;
  /** The entry service sets a baggage entry for the last service to receive. */
  setsBaggage: boolean;
  /**
   * The `leaked-context` fault: the outgoing call uses the context of the previous request this
   * service received, kept in a shared variable, instead of its own.
   */
  leaksContext: boolean;
}

export interface RunningService {
  name: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts one instrumented Koa service on 127.0.0.1. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const app = new Koa();
  const latest: { context: Context | undefined } = { context: undefined };
  // Errors are the probe's to report: after a timeout the chain closes under in-flight requests,
  // and Koa's default handler would print a stack for each of them.
  app.silent = true;
  // The koa instrumentation names the middleware's span after the function
  // ("middleware - answerRoute"). dist/ is minified without kept names, and a method's name comes
  // from its key, which minification leaves alone: the span keeps its name in the bundle.
  const middleware: { answerRoute: Koa.Middleware } = {
    async answerRoute(ctx) {
      if (ctx.method !== 'GET' || ctx.path !== options.route) {
        ctx.status = 404;
        return;
      }
      try {
        sendJson(ctx, await answer(options, ctx.request.headers, latest));
      } catch (error) {
        if (!(error instanceof DownstreamError) || options.next === undefined) throw error;
        ctx.status = HOP_FAILURE_STATUS;
        sendJson(ctx, { hop_failure: error.reported ?? ownFailure(options, options.next, error) });
      }
    },
  };
  app.use(middleware.answerRoute);
  const server = http.createServer(app.callback());
  // Idle keep-alive connections stay open until the chain closes. With Node's default (close
  // after 5 s idle), a caller in this same busy process could pick an idle socket from its pool
  // just as the server closed it, and its request met a reset (read ECONNRESET, then a 500).
  // Every caller here is ours and the chain closes every connection when it stops.
  server.keepAliveTimeout = 0;
  scopeServer(server, options.name);
  const port = await listen(server, options.port, options.portInput);
  return {
    name: options.name,
    port,
    url: `http://${HOST}:${port}${options.route}`,
    close: () => closeServer(server),
  };
}

async function answer(
  options: ServiceOptions,
  headers: http.IncomingHttpHeaders,
  latest: { context: Context | undefined },
): Promise<ServiceAnswer> {
  const own: ServiceAnswer = { ...serverSpanReport(options.name), received_headers: pick(headers) };
  const { next, client } = options;
  if (next === undefined || client === undefined) return own;
  let callContext = context.active();
  if (options.leaksContext) {
    // The classic bug: a "current request" kept in a variable shared by every request. The call
    // goes out with whatever the previous request left there, and this one's context stays
    // behind for the next: every request after the first sends another request's context.
    const own = callContext;
    callContext = latest.context ?? own;
    latest.context = own;
  }
  let baggageSent: ServiceAnswer['baggage_sent'];
  if (options.setsBaggage) {
    baggageSent = { key: BAGGAGE_KEY, value: randomBytes(8).toString('hex') };
    const baggage = (propagation.getBaggage(callContext) ?? propagation.createBaggage()).setEntry(
      baggageSent.key,
      { value: baggageSent.value },
    );
    callContext = propagation.setBaggage(callContext, baggage);
  }
  // Only a changed context needs a context switch: without baggage or a leak, the call already
  // runs in this request's context (one switch fewer per request and calling service, traced).
  const downstream = (await (callContext === context.active()
    ? client.getJson(next.url)
    : context.with(callContext, () => client.getJson(next.url)))) as ServiceAnswer;
  return {
    ...own,
    ...(baggageSent && { baggage_sent: baggageSent }),
    downstream_request: requestLine(next),
    downstream_port: next.port,
    downstream,
  };
}

/**
 * Answers with `value` as JSON, the bytes and headers Koa sends for an object body. Handed an
 * object, Koa's body setter first tests it against the web stream, Blob and fetch Response
 * classes, and reading the global `Response` loads node's whole fetch implementation (undici:
 * about 30 ms of CPU in the default run) for a class no service here ever returns. A string goes
 * straight through.
 */
function sendJson(ctx: Koa.Context, value: unknown): void {
  ctx.type = 'json';
  ctx.body = JSON.stringify(value);
}

/** The failure of this service's own call: the hop, the request and the error code. */
function ownFailure(
  options: ServiceOptions,
  next: NonNullable<ServiceOptions['next']>,
  error: DownstreamError,
): HopFailure {
  return {
    hop: next.hop,
    caller: options.name,
    callee: next.name,
    request: requestLine(next),
    code: error.code,
    message: error.message,
  };
}

function requestLine(next: NonNullable<ServiceOptions['next']>): string {
  return `GET ${next.url}${next.via ? ` (via ${next.via})` : ''}`;
}

/**
 * Ids of the server span handling this request. The active span inside koa middleware is the
 * middleware's span; the http instrumentation keeps the server span in the RPC metadata.
 */
function serverSpanReport(service: string): Omit<ServiceAnswer, 'received_headers'> {
  const active = context.active();
  const span = getRPCMetadata(active)?.span ?? trace.getSpan(active);
  const spanContext = span?.spanContext();
  const parent = (span as Partial<ReadableSpan> | undefined)?.parentSpanContext;
  return {
    service,
    trace_id: spanContext?.traceId ?? '',
    span_id: spanContext?.spanId ?? '',
    parent_span_id: parent?.spanId ?? null,
  };
}

function pick(headers: http.IncomingHttpHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of PROPAGATION_HEADERS) {
    const value = headers[name];
    if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return picked;
}

function listen(server: http.Server, port: number, portInput: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new InputError(
              `Input '${portInput}': port ${port} on ${HOST} is ${error.code === 'EADDRINUSE' ? 'already in use' : 'not allowed'}; choose another port, or 0 for a free one.`,
            )
          : error,
      );
    });
    server.listen(port, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
