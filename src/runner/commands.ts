import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

/**
 * The runner's side of the contract, written out rather than taken from @actions/core: that
 * package loads an HTTP client (undici) and its OIDC helper at start-up, a third of the time the
 * default run spends beyond the work itself (see BENCHMARKS.md). This is all the action needs.
 */

/** An input as the runner passes it: `INPUT_<NAME>`, spaces as underscores, upper case; '' when unset. */
export function getInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export function info(message: string): void {
  process.stdout.write(`${message}${EOL}`);
}

export function startGroup(name: string): void {
  issue('group', name);
}

export function endGroup(): void {
  issue('endgroup', '');
}

/** Fails the step: an error annotation with the message, and exit code 1. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  issue('error', message);
}

/** Sets a step output through the GITHUB_OUTPUT file, with a delimiter the value cannot contain. */
export function setOutput(name: string, value: string, file: string): void {
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`The output ${name} contains its own delimiter; it was not set.`);
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
}

/** A workflow command on stdout, its data escaped as the runner expects. */
function issue(command: string, data: string): void {
  const escaped = data.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  process.stdout.write(`::${command}::${escaped}${EOL}`);
}
