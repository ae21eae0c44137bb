import type { SpanStore } from './span-store';

/** The body could not be decoded at all: the whole request is answered with 400 / INVALID_ARGUMENT. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Which encoding a request used; the response is written in the same one. */
export type OtlpEncoding = 'protobuf' | 'json';

/** What the HTTP and the gRPC server each need to listen and store. */
export interface ServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  store: SpanStore;
  /** How messages name the port and host settings, e.g. when the port is taken (see ReceiverOptions.labels). */
  portLabel: string;
  hostLabel: string;
}
