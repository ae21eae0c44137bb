/**
 * Text a service under test (or anything reaching the receiver) may send to take over the
 * runner's log or the job summary. Shared by the unit tests of the report and the dist tests.
 */
export const HOSTILE_SPAN_NAME = 'GET /\n::add-mask::x';
export const HOSTILE_SERVICE = 'entry\n::error::pwned';
export const HOSTILE_CR = 'cr\r::warning file=x.ts,line=1::carriage';
export const HOSTILE_PERCENT = 'pct%0A::error::encoded';
export const HOSTILE_OLD_COMMAND = 'mid ##[add-mask]old-style';
export const HOSTILE_MARKDOWN =
  '\n\n## ✅ All checks passed\n\n<img src=https://evil.example/x>\n\n[click here](https://evil.example/link) ![i](https://evil.example/i.png)\n\n';
export const HOSTILE_INVISIBLE = 'bidi\u202eevil\u2028sep\u0085nel\u001b[31mred';

export const ALL_HOSTILE = [
  HOSTILE_SPAN_NAME,
  HOSTILE_SERVICE,
  HOSTILE_CR,
  HOSTILE_PERCENT,
  HOSTILE_OLD_COMMAND,
  HOSTILE_MARKDOWN,
  HOSTILE_INVISIBLE,
];

/**
 * Commands the action itself issues, with properties (`title=…`) %-escaped by the toolkit, so
 * they hold no raw `:`; any other line starting with `::` was injected.
 */
const OWN_COMMAND = /^::(group|endgroup|error|warning|notice)( [^:]*)?::/;

/**
 * The stdout lines the runner would execute as workflow commands (`::cmd::` after leading
 * spaces, or the older `##[cmd]` anywhere) that the action did not issue itself. A command the
 * action issues must have its data %-escaped, so it never contains a raw `::add-mask`.
 */
export function injectedCommands(stdout: string): string[] {
  return stdout.split(/\r\n|\r|\n/).filter((line) => {
    if (line.includes('##[')) return true;
    const trimmed = line.trimStart();
    if (!trimmed.startsWith('::')) return false;
    return line !== trimmed || !OWN_COMMAND.test(line) || /::add-mask::/.test(line);
  });
}
