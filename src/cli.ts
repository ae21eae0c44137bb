import { check } from './check';
import { stepFailure } from './step-failure';
import { EXIT, parseArgs, USAGE, type ParsedArgs } from './cli-args';
import { parseConfig } from './config';
import { getErrorMessage } from './errors';
import { spanLogLines } from './report/log';

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
    // Spans only when asked, and before the report: the verdict stays the last thing printed.
    if (args.verbose) process.stdout.write(`${spanLogLines(report.spans, Infinity).join('\n')}\n`);
    process.stdout.write(`${args.json ? JSON.stringify(report.result, null, 2) : report.text}\n`);
    const failure = stepFailure(report);
    if (failure !== undefined) process.stderr.write(`Error: ${failure}\n`);
    process.exitCode = failure === undefined ? EXIT.expected : EXIT.unexpected;
  } catch (error) {
    // No verdict (a port in use, a timeout): status 2, as for an unusable input, so a script
    // can tell "could not check" from "checked, and propagation is broken".
    const message = getErrorMessage(error);
    if (args.json)
      process.stdout.write(`${JSON.stringify({ verdict: 'error', error: message }, null, 2)}\n`);
    process.stderr.write(`Error: ${message}\n`);
    process.exitCode = EXIT.noVerdict;
  }
}
