// A raw node:http2 gRPC client for the server's tests: frames written as the test chooses, the
// status read wherever it comes (headers or trailers), every wait bounded.
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { EXPORT_METHOD_PATH } from '../../src/receiver/otlp-schema';
import { IO_TIMEOUT_MS } from './helpers';

export interface Answer {
  httpStatus: number;
  grpcStatus: number | undefined;
  grpcMessage: string;
  headers: Record<string, unknown>;
  body: Buffer;
}

/** A message with its 5-byte prefix; `declared` overrides the length it claims. */
export function frame(message: Buffer, options: { compressed?: boolean; declared?: number } = {}) {
  const prefix = Buffer.alloc(5);
  prefix[0] = options.compressed === true ? 1 : 0;
  prefix.writeUInt32BE(options.declared ?? message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** Opens a call; the caller writes its body. Resolves with the status, wherever it came. */
export function call(
  session: ClientHttp2Session,
  headers: Record<string, string> = {},
): { stream: ClientHttp2Stream; answer: Promise<Answer> } {
  const stream = session.request({
    ':method': 'POST',
    ':path': EXPORT_METHOD_PATH,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...headers,
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer in time')), IO_TIMEOUT_MS);
    let response: Record<string, unknown> = {};
    let trailers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (received) => (response = { ...received }));
    stream.on('trailers', (received) => (trailers = { ...received }));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    stream.on('close', () => {
      clearTimeout(timer);
      const status = trailers['grpc-status'] ?? response['grpc-status'];
      const message = trailers['grpc-message'] ?? response['grpc-message'] ?? '';
      resolve({
        httpStatus: Number(response[':status']),
        grpcStatus: status === undefined ? undefined : Number(status),
        grpcMessage: decodeURIComponent(String(message)),
        headers: response,
        body: Buffer.concat(chunks),
      });
    });
  });
  return { stream, answer };
}

/** A whole call: the body written in the given pieces, then the stream ended. */
export async function unary(
  session: ClientHttp2Session,
  pieces: Buffer[],
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { stream, answer } = call(session, headers);
  for (const piece of pieces) stream.write(piece);
  stream.end();
  return answer;
}

export function openSession(port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error('no connection in time'));
    }, IO_TIMEOUT_MS);
    session.once('connect', () => {
      clearTimeout(timer);
      resolve(session);
    });
    session.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
