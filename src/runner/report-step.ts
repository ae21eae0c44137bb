import * as core from '@actions/core';
import type { CheckReport } from '../check';
import type { Config } from '../config';
import { getErrorMessage } from '../errors';
import { spanLogLines } from '../report/log';
import type { ProgressSnapshot } from '../progress';
import { stepFailure } from '../step-failure';
import { annotationsOf } from './annotations';
import { writeCiFiles, writeNoVerdictFiles } from './ci-files';
import { failStep, logGroup, oneLine, setOutputs } from './log';
import { noVerdictOutputs, noVerdictSummary, observedLine } from './no-verdict';

/** Presents a verdict: log, outputs, summary, CI files, annotations and the step's outcome. */
export async function reportVerdict(
  report: CheckReport,
  config: Config,
  inRunner: boolean,
): Promise<void> {
  printReport(report, inRunner);
  setOutputs(report.outputs);
  if (config.summary && process.env['GITHUB_STEP_SUMMARY']) {
    await core.summary.addRaw(report.summary()).write();
  }
  let writeError: string | undefined;
  try {
    for (const line of await writeCiFiles(report, config.files)) core.info(line);
  } catch (error) {
    writeError = getErrorMessage(error);
  }
  concludeStep(report, inRunner);
  // A file the workflow asked for and did not get fails the step, whatever the verdict.
  if (writeError !== undefined) failStep(inRunner, writeError);
}

/**
 * Runs one of the reports above. When it cannot be written (an output or summary file missing or
 * unwritable), the step fails with one line naming what could not be written: whatever the
 * verdict, a workflow must never read a passing step whose outputs it did not get.
 */
export async function reportOrFail(write: () => Promise<void>, inRunner: boolean): Promise<void> {
  try {
    await write();
  } catch (error) {
    failStep(inRunner, `Could not write the step's report: ${getErrorMessage(error)}`);
  }
}

/**
 * The log: in the runner, the report, then the spans (capped) and the result in collapsed groups;
 * in a terminal, the result first and the report last, so the verdict stays on screen (the spans
 * only with the CLI's --verbose).
 */
function printReport(report: CheckReport, inRunner: boolean): void {
  if (inRunner) {
    core.info(report.text);
    logGroup(inRunner, `Exported spans (${report.spans.length})`, () => {
      for (const line of spanLogLines(report.spans)) core.info(line);
    });
  }
  logGroup(inRunner, 'Result', () => core.info(JSON.stringify(report.result, null, 2)));
  if (!inRunner) core.info(report.text);
}

/** The step's outcome: passed, or failed with annotations or one line. */
function concludeStep(report: CheckReport, inRunner: boolean): void {
  const failure = stepFailure(report);
  if (failure === undefined) {
    if (report.verdict === 'fail') {
      core.info(
        `Negative control: the check failed as expected (expect: fail). ${report.failureMessage}`,
      );
    }
    return;
  }
  // A broken propagation: one annotation per broken hop or edge, titled with it, and the full
  // line in the log. Any other failure (a negative control that proves nothing) is one line.
  if (!inRunner || report.verdict !== 'fail' || report.expected !== 'pass') {
    return failStep(inRunner, failure);
  }
  for (const { title, message } of annotationsOf(report.result, failure)) {
    core.error(oneLine(message), { title });
  }
  core.info(oneLine(failure));
  process.exitCode = core.ExitCode.Failure;
}

/**
 * Presents a run that ended without a verdict (a bad input, a timeout, a port in use, a signal):
 * `verdict: error` and the other outputs, a short summary saying why and what was observed, the
 * JUnit report when asked, and a failed step.
 */
export async function reportNoVerdict(
  message: string,
  config: Pick<Config, 'summary' | 'files'>,
  observed: ProgressSnapshot | undefined,
  inRunner: boolean,
  evidenceHtml = '',
): Promise<void> {
  if (observed !== undefined)
    core.info(`Observed before the run ended: ${observedLine(observed)}.`);
  // The step's error line before the files: a cancelled run exits at a bound that a loaded
  // machine can reach while the summary is still being written, and this line must be in the log
  // (also when the output file cannot be written).
  failStep(inRunner, message);
  setOutputs(noVerdictOutputs(message, observed));
  if (config.summary && process.env['GITHUB_STEP_SUMMARY']) {
    await core.summary.addRaw(noVerdictSummary(message, observed) + evidenceHtml).write();
  }
  try {
    await writeNoVerdictFiles(message, config.files);
  } catch (error) {
    core.warning(`Could not write the JUnit report: ${oneLine(String(error))}`);
  }
}
