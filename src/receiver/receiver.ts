import { InputError } from '../errors';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server';
import { startHttpServer } from './http-server';
import { DEFAULT_MAX_SPANS, SpanStore } from './span-store';
import { upperFirst } from './listen-error';
import type { Receiver, ReceiverLabels, ReceiverOptions } from './types';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 4318;
export const DEFAULT_GRPC_PORT = 4317;
/** Below OTLP's recommended 64 MiB: a check's handful of spans never comes close. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
export { DEFAULT_MAX_SPANS };

const OPTION_LABELS: ReceiverLabels = {
  host: 'option host',
  httpPort: 'option httpPort',
  grpcPort: 'option grpcPort',
  maxBodyBytes: 'option maxBodyBytes',
  maxSpans: 'option maxSpans',
};

/**
 * Starts an OTLP receiver for traces: OTLP/HTTP (protobuf and JSON, gzip or not) and, unless
 * disabled, OTLP/gRPC, both feeding one de-duplicating span store. Either both servers are up when
 * this resolves, or neither is left running.
 */
export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const names = { ...OPTION_LABELS, ...options.labels };
  const host = options.host ?? DEFAULT_HOST;
  const httpPort = checkPort(options.httpPort ?? DEFAULT_HTTP_PORT, names.httpPort);
  const grpcPort =
    options.grpcPort === 'disabled'
      ? undefined
      : checkPort(options.grpcPort ?? DEFAULT_GRPC_PORT, names.grpcPort);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new InputError(
      `${upperFirst(names.maxBodyBytes)} must be a whole number of bytes above 0, got ${JSON.stringify(maxBodyBytes)}.`,
    );
  }

  const maxSpans = options.maxSpans ?? DEFAULT_MAX_SPANS;
  if (!Number.isSafeInteger(maxSpans) || maxSpans < 1) {
    throw new InputError(
      `${upperFirst(names.maxSpans)} must be a whole number of spans above 0, got ${JSON.stringify(maxSpans)}.`,
    );
  }

  const store = new SpanStore(maxSpans, names.maxSpans);
  const http = await startHttpServer({
    host,
    port: httpPort,
    maxBodyBytes,
    store,
    portLabel: names.httpPort,
    hostLabel: names.host,
  });
  let grpc: RunningGrpcServer | undefined;
  try {
    if (grpcPort !== undefined) {
      grpc = await startGrpcServer({
        host,
        port: grpcPort,
        maxBodyBytes,
        store,
        portLabel: names.grpcPort,
        hostLabel: names.host,
      });
    }
  } catch (error) {
    await http.close();
    throw error;
  }

  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    host,
    httpPort: http.port,
    httpUrl: `http://${urlHost}:${http.port}`,
    grpcPort: grpc?.port,
    grpcUrl: grpc === undefined ? undefined : `http://${urlHost}:${grpc.port}`,
    spans: () => store.spans(),
    services: () => store.services(),
    rejectedSpans: () => store.rejectedSpans(),
    stats: () => store.stats(),
    unknownPaths: () => http.unknownPaths(),
    onSpans: (listener) => store.onSpans(listener),
    waitFor: (waitOptions) => store.waitFor(waitOptions),
    close: () => {
      closing ??= (async () => {
        store.close();
        await Promise.all([http.close(), grpc?.close()]);
      })();
      return closing;
    },
  };
}

function checkPort(port: number, label: string): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(
      `${upperFirst(label)} must be a port number from 0 to 65535 (0 picks a free port), got ${JSON.stringify(port)}.`,
    );
  }
  return port;
}
