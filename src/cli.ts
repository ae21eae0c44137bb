import packageJson from '../package.json';
import { check } from './check';
import { EXIT, parseArgs, USAGE, wantsJson, type ParsedArgs } from './cli-args';
import { parseConfig, type Config } from './config';
import { getErrorMessage } from './errors';
import { onCancelSignal } from './runner/cancel';
import { writeCiFiles, writeNoVerdictFiles } from './runner/ci-files';
import { stepFailure } from './step-failure';
import { spanLogLines } from './report/log';

/** The CLI: the same check as the action, with flags for inputs and an exit status for the verdict. */
export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let args: ParsedArgs;
  let config: Config;
  try {
    args = parseArgs(argv);
    if (args.help || args.version) {
      process.stdout.write(`${args.help ? USAGE : packageJson.version}\n`);
      return;
    }
    const inputs = args.inputs;
    config = parseConfig((name) => inputs[name] ?? '');
  } catch (error) {
    // `--json` holds for an unusable command line too: a script reads one JSON shape.
    noVerdict(getErrorMessage(error), wantsJson(argv), EXIT.usage);
    return;
  }
  // Ctrl-C (or a SIGTERM) mid-run: the same no-verdict answer, then stop what was started.
  let finished = false;
  const stopWatching = onCancelSignal((signal) => {
    if (finished) return;
    finished = true;
    noVerdict(`The run was cancelled (${signal}) before the check gave a verdict.`, args.json);
  }, EXIT.noVerdict);
  try {
    const report = await check(config);
    if (finished) return;
    finished = true;
    // Spans only when asked, and before the report: the verdict stays the last thing printed.
    if (args.verbose) process.stdout.write(`${spanLogLines(report.spans, Infinity).join('\n')}\n`);
    process.stdout.write(`${args.json ? JSON.stringify(report.result, null, 2) : report.text}\n`);
    const failure = stepFailure(report);
    if (failure !== undefined) process.stderr.write(`Error: ${failure}\n`);
    process.exitCode = failure === undefined ? EXIT.expected : EXIT.unexpected;
    try {
      for (const line of await writeCiFiles(report, config.files)) {
        process.stderr.write(`${line}\n`);
      }
    } catch (error) {
      // The verdict stands (printed above), but a file asked for is missing: not a clean run.
      process.stderr.write(`Error: ${getErrorMessage(error)}\n`);
      process.exitCode = EXIT.noVerdict;
    }
  } catch (error) {
    // No verdict (a port in use, a timeout): status 2, as for an unusable input, so a script
    // can tell "could not check" from "checked, and propagation is broken".
    if (finished) return;
    finished = true;
    const message = getErrorMessage(error);
    await writeNoVerdictFiles(message, config.files).catch(() => undefined);
    noVerdict(message, args.json, EXIT.noVerdict);
  } finally {
    stopWatching();
  }
}

function noVerdict(message: string, json: boolean, exitCode: number = EXIT.noVerdict): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ verdict: 'error', error: message }, null, 2)}\n`);
  }
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = exitCode;
}
