// The receiver's public surface: start it, read spans from it, close it.
export {
  startReceiver,
  DEFAULT_HOST,
  DEFAULT_HTTP_PORT,
  DEFAULT_GRPC_PORT,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SPANS,
} from './receiver';
export type {
  Receiver,
  ReceiverLabels,
  ReceiverOptions,
  ReceiverStats,
  RejectedSpan,
  WaitForOptions,
  WaitResult,
} from './types';
