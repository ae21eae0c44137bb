import * as core from '@actions/core';
import { parseConfig } from './config';
import { getErrorMessage } from './errors';
import { consoleReport } from './report/console';
import { setOutputs } from './report/outputs';
import { buildResult, failureMessage, type Result } from './report/result';
import { writeSummary } from './report/summary';
import { runCheck } from './run';

/** Spans printed to the log at most: a 1,000-request run exports tens of thousands. */
const MAX_LOGGED_SPANS = 2000;

/**
 * The action: inputs -> config -> run -> report -> outputs and verdict. Outside the runner
 * (`node dist/index.js` in a terminal) the same run prints its report and sets the exit code.
 */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const inRunner = env.GITHUB_ACTIONS === 'true';
  try {
    const config = parseConfig((name) => core.getInput(name));
    const outcome = await runCheck(config);
    const result = buildResult(outcome);

    core.info(consoleReport(result));
    group(inRunner, `Exported spans (${outcome.spans.length})`, () => {
      for (const span of outcome.spans.slice(0, MAX_LOGGED_SPANS)) core.info(JSON.stringify(span));
      if (outcome.spans.length > MAX_LOGGED_SPANS) {
        core.info(`... ${outcome.spans.length - MAX_LOGGED_SPANS} more spans not printed.`);
      }
    });
    group(inRunner, 'Result', () => core.info(JSON.stringify(result, null, 2)));

    if (env.GITHUB_OUTPUT) setOutputs(result);
    if (config.summary && env.GITHUB_STEP_SUMMARY) await writeSummary(result, outcome.verification);
    settle(inRunner, result);
  } catch (error) {
    fail(inRunner, getErrorMessage(error));
  }
}

/** The step passes when the verdict is the one expected: `expect: fail` is a negative control. */
function settle(inRunner: boolean, result: Result): void {
  if (result.expected_verdict === 'pass') {
    if (result.verdict === 'fail') fail(inRunner, failureMessage(result));
    return;
  }
  if (result.verdict === 'pass') {
    fail(
      inRunner,
      `Expected the check to fail (expect: fail), but trace context propagated through ${result.services.map((s) => s.name).join(' -> ')}: the negative control did not break anything.`,
    );
    return;
  }
  core.info(
    `Negative control: the check failed as expected (expect: fail). ${failureMessage(result)}`,
  );
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
