import assert from 'node:assert/strict';
import { parseConfig, type InputName } from '../../src/config';
import { InputError } from '../../src/errors';

/** Parses inputs as given; an input not given is unset (as outside the runner). */
export function parse(inputs: Partial<Record<InputName, string>>) {
  return parseConfig((name) => inputs[name] ?? '');
}

/** The inputs are refused with one line, an InputError matching `message`. */
export function rejects(inputs: Partial<Record<InputName, string>>, message: RegExp): void {
  assert.throws(
    () => parse(inputs),
    (error: unknown) => {
      assert.ok(error instanceof InputError, `InputError, got ${String(error)}`);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/, 'one line');
      return true;
    },
  );
}
