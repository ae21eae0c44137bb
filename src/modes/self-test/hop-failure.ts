/**
 * When an inner hop's call fails (a reset connection, a timeout, an error status), the chain
 * answers with this in place of a bare 500, so the verdict can name the hop, the request and the
 * cause. The service whose call failed writes it; the services before it pass it on unchanged.
 */
export interface HopFailure {
  /** 1-based hop: the call from service `hop` to service `hop + 1`. */
  hop: number;
  caller: string;
  callee: string;
  /** The request that failed, e.g. `GET http://127.0.0.1:4000/work`. */
  request: string;
  /** The error code (`ECONNRESET`, `ETIMEDOUT`, `HTTP 503`), or `ERROR` when there is none. */
  code: string;
  message: string;
}

/** The status a service answers with when its downstream call failed. */
export const HOP_FAILURE_STATUS = 502;

/** Longest message kept: it is text from the network, and it goes into a one-line error. */
const MAX_MESSAGE = 300;

/** An error from a client's call: its code, and the failure the callee answered, if any. */
export class DownstreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The failure a service further down reported, passed on as is. */
    readonly reported: HopFailure | undefined,
  ) {
    super(message);
  }
}

/** Reads an error answer's body: a hop failure when it is one, else undefined. */
export function hopFailureFrom(body: string): HopFailure | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const failure = (parsed as { hop_failure?: unknown } | null)?.hop_failure;
  if (typeof failure !== 'object' || failure === null) return undefined;
  const { hop, caller, callee, request, code, message } = failure as Record<string, unknown>;
  if (typeof hop !== 'number' || !Number.isInteger(hop)) return undefined;
  const text = (value: unknown): string => oneLine(typeof value === 'string' ? value : '');
  return {
    hop,
    caller: text(caller),
    callee: text(callee),
    request: text(request),
    code: text(code) || 'ERROR',
    message: text(message),
  };
}

/** The code of an error a client threw: Node's `code`, or the one of its `cause` (fetch). */
export function errorCode(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 3; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'ERROR';
}

/** The message of an error a client threw, with its cause's when that says more. */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  return oneLine(
    causeMessage && !message.includes(causeMessage) ? `${message}: ${causeMessage}` : message,
  );
}

/** One line, bounded: safe to put into an error message. */
export function oneLine(text: string): string {
  // Control characters (newlines first of all) would split the line or forge a runner command.
  const flat = [...text]
    .map((char) => (char < ' ' || char === '\u007f' ? ' ' : char))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE)}…` : flat;
}

/** The sentence the verdict gives for a failed hop. */
export function describeHopFailure(failure: HopFailure): string {
  return `hop ${failure.hop} ${failure.caller} -> ${failure.callee} (${failure.request}) failed with ${failure.code}${failure.message ? `: ${failure.message}` : ''}`;
}
