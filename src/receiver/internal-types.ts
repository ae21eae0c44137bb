/** The body could not be decoded at all: the whole request is answered with 400 / INVALID_ARGUMENT. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Which encoding a request used; the response is written in the same one. */
export type OtlpEncoding = 'protobuf' | 'json';
