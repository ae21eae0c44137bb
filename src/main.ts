import { appendFile } from 'node:fs/promises';
import * as core from './runner/commands';
import { check, type CheckReport } from './check';
import { spanLogLines } from './report/log';
import { stepFailure } from './step-failure';
import { parseConfig } from './config';
import { getErrorMessage } from './errors';

/**
 * The action: inputs -> config -> check -> report -> outputs and verdict. Outside the runner
 * (`node dist/index.js` in a terminal) the same run prints its report and sets the exit code.
 */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const inRunner = env.GITHUB_ACTIONS === 'true';
  try {
    const config = parseConfig((name) => core.getInput(name, env));
    const report = await check(config);

    printReport(inRunner, report);

    const outputFile = env.GITHUB_OUTPUT;
    if (outputFile) {
      for (const [name, value] of Object.entries(report.outputs))
        core.setOutput(name, value, outputFile);
    }
    if (config.summary && env.GITHUB_STEP_SUMMARY) {
      await appendFile(env.GITHUB_STEP_SUMMARY, report.summary(), 'utf8');
    }
    const failure = stepFailure(report);
    if (failure !== undefined) fail(inRunner, failure);
    else if (report.verdict === 'fail') {
      core.info(
        `Negative control: the check failed as expected (expect: fail). ${report.failureMessage}`,
      );
    }
  } catch (error) {
    const message = getErrorMessage(error);
    // The check could not give a verdict (a bad input, a timeout): still set the outputs, so a
    // workflow reading `verdict` sees `error` rather than nothing.
    const outputFile = env.GITHUB_OUTPUT;
    if (outputFile) {
      const outputs = {
        verdict: 'error',
        'failed-checks': '',
        result: JSON.stringify({ verdict: 'error', error: message }),
      };
      for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value, outputFile);
    }
    fail(inRunner, message);
  }
}

/**
 * In the runner: the report, then the spans (capped) and the JSON result in collapsed groups. In
 * a terminal: the JSON result, then the report, whose verdict line comes last where the eye lands;
 * no spans (the CLI prints them with --verbose).
 */
function printReport(inRunner: boolean, report: CheckReport): void {
  if (inRunner) {
    core.info(report.text);
    group(inRunner, `Exported spans (${report.spans.length})`, () => {
      for (const line of spanLogLines(report.spans)) core.info(line);
    });
  }
  group(inRunner, 'Result', () => core.info(JSON.stringify(report.result, null, 2)));
  if (!inRunner) core.info(report.text);
}

/** A collapsed log group in the runner; a plain heading in a terminal. */
function group(inRunner: boolean, name: string, write: () => void): void {
  if (inRunner) core.startGroup(name);
  else core.info(`--- ${name} ---`);
  write();
  if (inRunner) core.endGroup();
}

/** Fails the step with one line: an error annotation in the runner, stderr in a terminal. */
function fail(inRunner: boolean, message: string): void {
  const line = message.replace(/\s*\n\s*/g, ' ');
  if (inRunner) {
    core.setFailed(line);
  } else {
    process.stderr.write(`Error: ${line}\n`);
    process.exitCode = 1;
  }
}
