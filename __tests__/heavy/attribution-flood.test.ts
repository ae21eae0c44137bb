// A healthy probe amid a flood of 50,000 unrelated, broken requests (attribution-flood-run.ts)
// passes, and its verdict comes: attribution once scanned every unrelated call again for every
// break, and 50,000 took 88 s of one synchronous turn (200,000, the default max-spans, did not
// end in 10 minutes). The verification runs in a child process, so that the bound (about 50x
// what it takes now) can stop it: a test's own timeout cannot interrupt synchronous work.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

const RUNNER = join(import.meta.dirname, 'attribution-flood-run.ts');

describe('attribution under a flood of unrelated requests', () => {
  test('50,000 unrelated broken requests: the healthy probe passes, in bounded time', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', RUNNER], {
      encoding: 'utf8',
      timeout: 45_000,
    });
    assert.deepEqual(JSON.parse(stdout), { passed: true, failed: [] });
  });

  // The rule "the service lost its context" walked every span of every probe for each client
  // span that began a trace: 4,000 probes of 100 spans and 50,000 such spans of a service no
  // probe reached were killed at the bound; now about a second.
  test('4,000 healthy probes amid 50,000 unrelated client roots: every probe passes, in bounded time', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', RUNNER, 'probes'],
      { encoding: 'utf8', timeout: 45_000 },
    );
    assert.deepEqual(JSON.parse(stdout), { passed: true, failed: [] });
  });
});
