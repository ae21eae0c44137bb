/**
 * Text the services under test (or anything that reaches the receiver's port) sent: span and
 * service names, attribute values, header values, error texts, and diagnoses that quote them.
 * It is made inert once, where it enters the report model, so that every renderer (log, summary,
 * outputs, CLI) starts from text that cannot start a line, hide itself or fill the report:
 *
 * - line breaks and other control characters (C0, DEL, C1) are shown as escapes (`\n`, `\x1b`),
 *   since the runner executes any stdout line that starts with `::` as a workflow command, and a
 *   blank line ends the HTML block of the job summary;
 * - bidi overrides, zero-width characters, line/paragraph separators and lone surrogates are shown
 *   as `\u{…}`: they make the text read differently from what it is;
 * - `##[` becomes `##\x5b`: the runner also executes the older `##[command]` form found anywhere
 *   in a line, so it is dangerous even mid-line;
 * - the result is at most `maxChars` UTF-16 units, ending with `…` when cut.
 *
 * The output is a fixed point: making it inert again changes nothing.
 */

/** Names: span, service and attribute names, ids, calls. */
export const NAME_MAX_CHARS = 200;
/** Sentences that quote received text: diagnoses, observed values, header values, errors. */
export const TEXT_MAX_CHARS = 2000;

const ELLIPSIS = '…';

// Characters that hide text or make it read differently: Arabic letter mark, Mongolian vowel
// separator, zero-width characters and marks, line and paragraph separators, bidi embeddings,
// overrides and isolates, word joiner, byte-order mark.
const INVISIBLE = String.raw`\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff`;

// One alternation, so one pass: control characters (C0, DEL, C1), the invisible ones, lone
// surrogates (\p{Cs} matches only unpaired ones with the u flag), and the old command prefix.
const UNSAFE = new RegExp(String.raw`[\u0000-\u001f\u007f-\u009f${INVISIBLE}]|\p{Cs}|##\[`, 'gu');

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(match: string): string {
  if (match === '##[') return '##\\x5b';
  const named = NAMED[match];
  if (named !== undefined) return named;
  const code = match.codePointAt(0)!;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u{${code.toString(16).padStart(4, '0')}}`;
}

/** Makes received text inert: escaped, then cut to `maxChars` (Infinity: never cut). */
export function inert(text: string, maxChars: number = TEXT_MAX_CHARS): string {
  UNSAFE.lastIndex = 0;
  const escaped = UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
  if (escaped.length <= maxChars) return escaped;
  let end = Math.max(0, maxChars - ELLIPSIS.length);
  // Never leave half of a surrogate pair behind: it would become a lone surrogate.
  const last = escaped.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${escaped.slice(0, end)}${ELLIPSIS}`;
}

/** A received name or id, made inert and capped at NAME_MAX_CHARS. */
export function inertName(text: string): string {
  return inert(text, NAME_MAX_CHARS);
}

/** A received name or id that may be absent. */
export function inertNameOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : inertName(text);
}

/** A sentence that may quote received text, made inert and capped at TEXT_MAX_CHARS. */
export function inertText(text: string): string {
  return inert(text, TEXT_MAX_CHARS);
}

/** A sentence that may be absent. */
export function inertTextOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : inertText(text);
}

// What JSON.stringify leaves as it is but a log line must not carry: the old command prefix and
// the characters inert() escapes that JSON does not.
const UNSAFE_IN_JSON = new RegExp(String.raw`##\[|[\u007f-\u009f${INVISIBLE}]`, 'g');

/**
 * One log line of JSON for a value that holds received text (a raw span): still valid JSON, with
 * the unsafe characters as `\uXXXX` escapes and `##[` as `##\u005b`.
 */
export function jsonLogLine(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, (match) =>
    match === '##[' ? '##\\u005b' : `\\u${match.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
