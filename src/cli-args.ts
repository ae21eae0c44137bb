import { flagLines } from './cli-help';
import { DEFAULTS, type InputName } from './config';
import { InputError } from './errors';

const INPUT_NAMES = Object.keys(DEFAULTS) as InputName[];

/** Exit codes: the verdict is the one expected; it is not; no verdict (bad flags or inputs, or the check could not run). */
export const EXIT = { expected: 0, unexpected: 1, usage: 2, noVerdict: 2 } as const;

export const USAGE = `Usage: node dist/cli.js [--json] [--verbose] [--<input> <value> ...]

Runs the propagation check from a terminal. Every action input is a flag of the same name, e.g.
  node dist/cli.js --hops 4 --propagators b3multi,baggage
  node dist/cli.js --target-url http://127.0.0.1:8080/checkout --expect-services checkout,payment
A flag given twice adds a line to that input (for lists such as --expect-services, --target-headers).

Inputs (allowed values, default):
${flagLines().join('\n')}

Other flags:
  --json      print the JSON result instead of the readable report ({"verdict":"error",...} when
              there is no verdict)
  --verbose   print every exported span (one JSON line each) before the report
  --version   print the version
  --help      print this text

Exit status: 0 when the verdict is the one expected (pass, or fail with --expect fail),
1 when it is not, 2 when there is no verdict: the command line or an input is not usable, or the
check could not run (a port in use, a timeout).`;

export interface ParsedArgs {
  json: boolean;
  verbose: boolean;
  help: boolean;
  version: boolean;
  inputs: Partial<Record<InputName, string>>;
}

/** Reads `--name value` and `--name=value` flags; throws InputError on anything else. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = {
    json: false,
    verbose: false,
    help: false,
    version: false,
    inputs: {},
  };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--json') parsed.json = true;
    else if (arg === '--verbose') parsed.verbose = true;
    else if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--version' || arg === '-V') parsed.version = true;
    else if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = (equals === -1 ? arg.slice(2) : arg.slice(2, equals)) as InputName;
      if (!INPUT_NAMES.includes(name)) {
        throw new InputError(
          `Unknown flag ${JSON.stringify(arg.slice(0, 60))}; run with --help for the list.`,
        );
      }
      let value: string;
      if (equals !== -1) value = arg.slice(equals + 1);
      else {
        const next = argv[index + 1];
        if (next === undefined) throw new InputError(`Flag --${name} needs a value.`);
        value = next;
        index += 1;
      }
      const before = parsed.inputs[name];
      parsed.inputs[name] = before === undefined ? value : `${before}\n${value}`;
    } else {
      throw new InputError(
        `Unexpected argument ${JSON.stringify(arg.slice(0, 60))}; flags start with --.`,
      );
    }
  }
  return parsed;
}

/** Whether `--json` was asked for, read even from a command line that does not parse. */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}
