/**
 * An input that cannot be used. The message names the input and what is allowed; the action
 * prints it as one line, with no stack trace.
 */
export class InputError extends Error {
  override name = 'InputError';
}

/** Turns any thrown value (not only an Error) into a one-line message. */
export function getErrorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    const json = JSON.stringify(error);
    if (json !== undefined) return json;
  } catch {
    // fall through: circular or otherwise unserialisable
  }
  return String(error);
}
