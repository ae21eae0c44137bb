import * as grpc from '@grpc/grpc-js';

// grpc-js logs a failed bind to stderr ("No address added out of total 1 resolved") before the
// error reaches us; the InputError we raise already says it, in the user's words.
grpc.setLogVerbosity(grpc.logVerbosity.NONE);
import { getErrorMessage } from '../errors';
import { protobufSource } from './decode-protobuf';
import { encodeExportResponse } from './encode-response';
import { ingest } from './ingest';
import { DecodeError, type ServerOptions } from './internal-types';
import { listenError } from './listen-error';
import { EXPORT_METHOD_PATH } from './otlp-schema';

export type GrpcServerOptions = ServerOptions;

export interface RunningGrpcServer {
  port: number;
  close(): Promise<void>;
}

// In-flight calls get this long to finish on close before their connections are cut.
const GRACEFUL_CLOSE_MS = 1_000;

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * `TraceService/Export` with raw bytes in and out: grpc-js handles framing, compression and the
 * message size limit, and the handler decodes with the same protobuf codec as OTLP/HTTP. Decoding
 * in the handler (not in a deserializer) is what lets an undecodable message be answered with
 * INVALID_ARGUMENT, as OTLP asks, rather than grpc-js' generic INTERNAL.
 */
const traceService: grpc.ServiceDefinition = {
  Export: {
    path: EXPORT_METHOD_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** Starts the OTLP/gRPC server; rejects with an InputError when the port cannot be had. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { host, port, store, maxBodyBytes } = options;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxBodyBytes,
  });
  const exportCall: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    store.noteRequest('grpc');
    const answer = async (): Promise<void> => {
      const outcome = await ingest(protobufSource(call.request), store);
      callback(null, encodeExportResponse('protobuf', outcome.rejectedSpans, outcome.errorMessage));
    };
    answer().catch((error: unknown) => {
      store.noteFailedRequest();
      const invalid = error instanceof DecodeError;
      callback({
        code: invalid ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL,
        details: invalid ? error.message : `Internal error: ${getErrorMessage(error)}`,
      });
    });
  };
  server.addService(traceService, { Export: exportCall });

  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  }).catch((error: unknown) => {
    server.forceShutdown();
    throw listenError(error, options, host, port);
  });
  return { port: boundPort, close: () => closeServer(server) };
}

function closeServer(server: grpc.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, GRACEFUL_CLOSE_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
