import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const REPO = join(import.meta.dirname, '..', '..');

test('the committed OTLP descriptor is what the pinned official .proto files compile to', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(REPO, 'scripts', 'generate-otlp-descriptor.mjs'), '--check'],
      { cwd: REPO, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number | null) : 0, output: stdout + stderr }),
    );
  });
  assert.equal(code, 0, output);
  assert.match(output, /up to date \(opentelemetry-proto v\d+\.\d+\.\d+\)/);
});
