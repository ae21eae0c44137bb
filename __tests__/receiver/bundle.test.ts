import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const REPO = join(import.meta.dirname, '..', '..');

function run(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, timeout: 120_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
    );
  });
}

test('bundled with ncc and run without node_modules, the receiver still decodes all three ways', async () => {
  const out = mkdtempSync(join(tmpdir(), 'receiver-bundle-'));
  try {
    const ncc = join(REPO, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
    const build = await run(
      [
        ncc,
        'build',
        join(import.meta.dirname, 'fixtures', 'bundle-entry.ts'),
        '-o',
        out,
        '--quiet',
      ],
      REPO,
    );
    assert.equal(build.code, 0, build.stderr);
    // The temporary folder has no node_modules anywhere above it: only the bundle can answer.
    const result = await run([join(out, 'index.js')], out);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      statuses: [200, 200, 400, 0],
      services: ['bundled-json', 'bundled-proto', 'bundled-grpc'],
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
