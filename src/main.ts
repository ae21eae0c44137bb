import * as core from '@actions/core';
import { check } from './check';
import { parseConfig, type Config } from './config';
import { parseFilePath } from './config/values';
import { getErrorMessage } from './errors';
import { LaunchError } from './modes/target/service-report';
import { setLogSink } from './log';
import { progress } from './progress';
import { onCancelSignal } from './runner/cancel';
import { reportNoVerdict, reportOrFail, reportVerdict } from './runner/report-step';

/** Header names whose values are credentials: masked in the log by the runner. */
const SECRET_HEADER = /auth|cookie|token|secret|key|password|session/i;

/**
 * The action: inputs -> config -> check -> report -> outputs and verdict. Outside the runner
 * (`node dist/index.js` in a terminal) the same run prints its report and sets the exit code.
 * A cancelled job (SIGINT, SIGTERM) still reports `verdict: error` and what it observed.
 */
export async function run(): Promise<void> {
  const inRunner = process.env['GITHUB_ACTIONS'] === 'true';
  // The modes log through this sink: collapsed groups and annotations in the runner.
  if (inRunner) {
    setLogSink({
      info: core.info,
      warning: core.warning,
      startGroup: core.startGroup,
      endGroup: core.endGroup,
    });
  }
  let config: Config | undefined;
  // The verdict, an error and a signal race to report: the first one does, alone.
  let reported = false;
  const claimReport = (): boolean => !reported && (reported = true);
  const stopWatching = onCancelSignal(async (signal) => {
    if (!claimReport()) return;
    const message = `The run was cancelled (${signal}) before the check gave a verdict.`;
    await reportNoVerdict(message, config ?? readableParts(), progress.snapshot(), inRunner);
  }, core.ExitCode.Failure);
  try {
    // Empty means "not set": parseConfig applies the default (getInput trims, '' when unset).
    const parsed = parseConfig((name) => core.getInput(name));
    config = parsed;
    maskSecrets(parsed);
    if (core.isDebug()) core.debug(`Config: ${JSON.stringify(parsed)}`);
    const report = await check(parsed);
    // Inside reportOrFail: a report that cannot be written must not fall into the catch below,
    // where the claimed report would swallow it and a failed verdict would exit 0.
    if (claimReport()) await reportOrFail(() => reportVerdict(report, parsed, inRunner), inRunner);
  } catch (error) {
    // No verdict (a bad input, a timeout, a port in use): still set the outputs and say why.
    if (claimReport()) {
      const observed = config === undefined ? undefined : progress.snapshot();
      // A service the action started died, or setup failed: its last lines are the evidence.
      const evidence = error instanceof LaunchError ? error.summaryHtml : '';
      const parts = config ?? readableParts();
      await reportOrFail(
        () => reportNoVerdict(getErrorMessage(error), parts, observed, inRunner, evidence),
        inRunner,
      );
    }
  } finally {
    stopWatching();
  }
}

/**
 * With inputs that did not parse, the ones a no-verdict report uses (`summary`, `junit-file`),
 * where they can be read on their own.
 */
function readableParts(): Pick<Config, 'summary' | 'files'> {
  const readFile = (name: 'junit-file' | 'traces-file'): string | undefined => {
    try {
      return parseFilePath(name, core.getInput(name));
    } catch {
      return undefined;
    }
  };
  return {
    summary: !['false', 'False', 'FALSE'].includes(core.getInput('summary')),
    files: { junit: readFile('junit-file'), traces: undefined },
  };
}

/** Credentials the user sends to the target must not appear in the log. */
function maskSecrets(config: Config): void {
  for (const [name, value] of Object.entries(config.target?.headers ?? {})) {
    if (SECRET_HEADER.test(name) && value.trim() !== '') core.setSecret(value);
  }
}
