import { constants as h2, type ServerHttp2Stream } from 'node:http2';
import { getErrorMessage } from '../errors';
import { protobufSourceYielding } from './decode-protobuf';
import { encodeExportResponse } from './encode-response';
import { ACCEPT_ENCODING, frameMessage, GrpcStatus, percentEncode } from './grpc-message';
import { CallEndedError, ingest } from './ingest';
import { DecodeError } from './internal-types';
import type { SpanStore } from './span-store';

// A status message stays well inside a client's header limits (grpc-js accepts 16 KiB of headers,
// grpcio 8 KiB of metadata), in characters and, once percent-encoded, in bytes.
const MAX_MESSAGE_CHARS = 1_000;
const MAX_MESSAGE_BYTES = 2_048;

const EMPTY_RESPONSE_FRAME = frameMessage(encodeExportResponse('protobuf', 0, ''));

/** The state of one call: answered once, whatever happens first (a result, a deadline, a reset). */
export class Call {
  private done = false;
  private deadline: NodeJS.Timeout | undefined;
  private receiveLimit: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly store: SpanStore,
  ) {
    // The client reset the stream (cancel, its own deadline) or the connection went away.
    stream.once('close', () => {
      this.clearTimers();
      if (!this.done) {
        this.done = true;
        store.noteFailedRequest();
      }
    });
  }

  setDeadline(ms: number): void {
    this.deadline = this.failAfter(ms, 'The deadline (grpc-timeout) passed.');
  }

  /** A stalled or trickling sender: answered once `ms` passed without its whole message. */
  setReceiveLimit(ms: number): void {
    this.receiveLimit = this.failAfter(
      ms,
      `The message did not arrive within the receiver's limit of ${ms / 1000} s per call.`,
    );
  }

  /** DEADLINE_EXCEEDED after `ms`, unless the call is answered first (`finish` clears both). */
  private failAfter(ms: number, message: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.fail(GrpcStatus.DEADLINE_EXCEEDED, message), ms);
    timer.unref();
    return timer;
  }

  /** The message arrived (or was refused): the receive limit no longer applies. */
  received(): void {
    if (this.receiveLimit !== undefined) clearTimeout(this.receiveLimit);
    this.receiveLimit = undefined;
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
        committing: () => this.clearTimers(),
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
          MAX_MESSAGE_BYTES,
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
    this.clearTimers();
    return true;
  }

  /** False once the client reset the stream or the connection went away. */
  private writable(): boolean {
    return !(this.stream.destroyed || this.stream.closed || this.stream.headersSent);
  }

  /** Stops the call's deadline and its receive limit. */
  private clearTimers(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.deadline = undefined;
    this.received();
  }
}
