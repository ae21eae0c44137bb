import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckReport } from '../check';
import type { Config } from '../config';
import { InputError } from '../errors';

/** Spans written to `traces-file` at most: a 10,000-request run exports tens of thousands. */
export const MAX_TRACE_FILE_SPANS = 20_000;

/**
 * Writes the files CI tools read: the JUnit report and the OTLP/JSON spans (those of the failed
 * requests or probes, or all when the check passed, capped). Returns lines for the log.
 */
export async function writeCiFiles(report: CheckReport, files: Config['files']): Promise<string[]> {
  const log: string[] = [];
  if (files.junit !== undefined) {
    // Loaded only when asked for (no file by default): a chunk of its own in the bundle.
    const { junitReport } = await import('../report/junit');
    // The process runs one check: its lifetime is the run's.
    await writeCreatingFolders(
      'junit-file',
      files.junit,
      junitReport(report.result, process.uptime()),
    );
    log.push(`Wrote the JUnit report to ${files.junit}.`);
  }
  if (files.traces !== undefined) {
    const spans = report.verdict === 'pass' ? [...report.spans] : report.failingSpans();
    const written = spans.slice(0, MAX_TRACE_FILE_SPANS);
    const { otlpJson } = await import('../report/otlp-json');
    await writeCreatingFolders('traces-file', files.traces, otlpJson(written));
    const which = report.verdict === 'pass' ? 'all spans' : 'spans of the failed traces';
    const left = spans.length - written.length;
    log.push(
      `Wrote ${written.length} ${which} as OTLP/JSON to ${files.traces}${left > 0 ? `; ${left} more were left out (at most ${MAX_TRACE_FILE_SPANS})` : ''}.`,
    );
  }
  return log;
}

/** A run without a verdict still leaves a JUnit report saying why; no spans file. */
export async function writeNoVerdictFiles(
  message: string,
  files: Config['files'] | undefined,
): Promise<void> {
  if (files?.junit !== undefined) {
    const { junitNoVerdict } = await import('../report/junit');
    await writeCreatingFolders(
      'junit-file',
      files.junit,
      junitNoVerdict(message, process.uptime()),
    );
  }
}

/** Writes a file an input named, creating its folders; a failure names the input. */
async function writeCreatingFolders(input: string, path: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new InputError(`Input '${input}': could not write ${JSON.stringify(path)} (${code}).`);
  }
}
