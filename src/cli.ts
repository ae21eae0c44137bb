import { check } from './check';
import { stepFailure } from './step-failure';
import { EXIT, parseArgs, USAGE, type ParsedArgs } from './cli-args';
import { parseConfig } from './config';
import { getErrorMessage, InputError } from './errors';

/** The CLI: the same check as the action, with flags for inputs and an exit status for the verdict. */
export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let args: ParsedArgs;
  let config;
  try {
    args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    const inputs = args.inputs;
    config = parseConfig((name) => inputs[name] ?? '');
  } catch (error) {
    process.stderr.write(`Error: ${getErrorMessage(error)}\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  try {
    const report = await check(config);
    process.stdout.write(`${args.json ? JSON.stringify(report.result, null, 2) : report.text}\n`);
    const failure = stepFailure(report);
    if (failure !== undefined) process.stderr.write(`Error: ${failure}\n`);
    process.exitCode = failure === undefined ? EXIT.expected : EXIT.unexpected;
  } catch (error) {
    process.stderr.write(`Error: ${getErrorMessage(error)}\n`);
    process.exitCode = error instanceof InputError ? EXIT.usage : EXIT.unexpected;
  }
}
