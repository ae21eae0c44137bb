import * as core from '@actions/core';

/** The step's log: workflow commands in the runner, plain text in a terminal. */

/** A collapsed log group in the runner; a plain heading in a terminal. */
export function logGroup(inRunner: boolean, name: string, write: () => void): void {
  if (inRunner) core.startGroup(name);
  else core.info(`--- ${name} ---`);
  write();
  if (inRunner) core.endGroup();
}

/** Fails the step with one line: an error annotation in the runner, stderr in a terminal. */
export function failStep(inRunner: boolean, message: string): void {
  const line = oneLine(message);
  if (inRunner) {
    core.setFailed(line);
  } else {
    process.stderr.write(`Error: ${line}\n`);
    process.exitCode = core.ExitCode.Failure;
  }
}

/** Sets every output through the GITHUB_OUTPUT file; outside the runner there is none to set. */
export function setOutputs(outputs: Record<string, string>): void {
  // Without the file, core.setOutput falls back to a `::set-output` line on stdout: in a terminal
  // that is noise, and the runner always provides the file.
  if (!process.env['GITHUB_OUTPUT']) return;
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

/** Line breaks (and the spaces around them) become one space: a failure is one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ');
}
