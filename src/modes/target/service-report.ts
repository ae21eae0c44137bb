import { randomUUID } from 'node:crypto';
import { escapeHtml } from '../../report/escape';
import { log as core } from '../../log';
import { visibleLine, type OutputLog } from './output-log';

/**
 * What the processes the action started said, for the log and the job summary. Their output is
 * untrusted: in the log every line is prefixed (a workflow command must start its line) and the
 * whole is fenced with stop-commands; in the summary it is escaped.
 */

/** Lines of a broken or dead service's output shown in the job summary. */
export const SUMMARY_TAIL_LINES = 30;

/** A started process as the reports see it. */
export interface ProcessLog {
  /** `service checkout`, `setup`, `teardown`. */
  title: string;
  /** How it ended, in words: `exited with code 3`, `still running, stopped by the action`. */
  status: string;
  output: OutputLog;
}

/** A run that could not give a verdict because of a process the action started. */
export class LaunchError extends Error {
  override name = 'LaunchError';

  constructor(
    message: string,
    /** The evidence for the job summary: the last lines of the processes that broke or died. */
    readonly summaryHtml: string,
  ) {
    super(message);
  }
}

/** The last lines of a process, made one line, for an error message. */
export function lastLinesInline(output: OutputLog, count = 5): string {
  const lines = output
    .tail(count)
    .map((line) => visibleLine(line).trim())
    .filter((line) => line !== '')
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line));
  return lines.length > 0 ? `last output: ${lines.join(' | ')}` : 'no output';
}

/** Prints each process's captured output in its own collapsed log group. */
export function printProcessLogs(logs: readonly ProcessLog[], inRunner: boolean): void {
  for (const log of logs) {
    const title = `${log.title}: ${log.status}`;
    core.startGroup(title);
    // A random token, so nothing the process printed can end the fence.
    const token = inRunner ? `propagation-check-${randomUUID()}` : undefined;
    if (token !== undefined) core.info(`::stop-commands::${token}`);
    const dropped = log.output.droppedLines();
    if (dropped > 0) core.info(`  (${dropped} earlier lines not kept)`);
    for (const line of log.output.all()) core.info(`  | ${visibleLine(line)}`);
    if (token !== undefined) core.info(`::${token}::`);
    core.endGroup();
  }
}

/** The job summary's part on processes that broke or died: their last lines, escaped. */
export function processTailsHtml(logs: readonly ProcessLog[]): string {
  if (logs.length === 0) return '';
  const parts = logs.map((log) => {
    const lines = log.output.tail(SUMMARY_TAIL_LINES).map(visibleLine);
    const text = lines.length > 0 ? lines.join('\n') : '(no output)';
    return `<details open><summary>${escapeHtml(`${log.title}: ${log.status}`)} (last ${SUMMARY_TAIL_LINES} lines)</summary><pre>${escapeHtml(text)}</pre></details>`;
  });
  return `\n<h3>Output of the processes that broke or died</h3>\n${parts.join('\n')}\n`;
}
