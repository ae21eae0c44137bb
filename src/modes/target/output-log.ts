/**
 * The captured output of one process the action started: stdout and stderr interleaved as they
 * arrive, split into lines, bounded (a chatty service must not fill the action's memory). The text
 * is untrusted: it is stored as received, and made inert by whoever prints it.
 */

/** Lines kept per process; older ones are counted, not kept. */
const MAX_LINES = 2000;
/** Longest line kept; the rest of a longer line is cut. */
const MAX_LINE_LENGTH = 2000;

export class OutputLog {
  private readonly lines: string[] = [];
  private partial = '';
  private dropped = 0;

  /** Appends a chunk as it arrived from a pipe. */
  append(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line);
    // A line with no end in sight: keep its start, as a line of its own.
    if (this.partial.length > MAX_LINE_LENGTH) {
      this.push(this.partial);
      this.partial = '';
    }
  }

  /** Every kept line, the unfinished last one included. */
  all(): string[] {
    const lines = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return lines.slice(-MAX_LINES);
  }

  /** The last `count` lines. */
  tail(count: number): string[] {
    return this.all().slice(-count);
  }

  /** Lines dropped from the start to stay within MAX_LINES. */
  droppedLines(): number {
    return (
      this.dropped + Math.max(0, this.lines.length + (this.partial === '' ? 0 : 1) - MAX_LINES)
    );
  }

  private push(line: string): void {
    this.lines.push(
      line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)} [line cut]` : line,
    );
    // Trimmed in batches: shifting one line at a time would copy the array at every line.
    if (this.lines.length >= 2 * MAX_LINES) {
      const excess = this.lines.length - MAX_LINES;
      this.lines.splice(0, excess);
      this.dropped += excess;
    }
  }
}

/** Control characters (an escape sequence, a lone CR) shown as `\xNN`, so a line stays one line. */
export function visibleLine(line: string): string {
  return line.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
