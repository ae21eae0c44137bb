// Fails when dist/ is not what the source builds to: the runner executes dist/, not src/.
// Builds into a temporary folder and compares every file, byte for byte, both ways.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'propagation-check-dist-'));
try {
  execFileSync(
    'ncc',
    ['build', 'src/index.ts', '-o', out, '--license', 'licenses.txt', '--quiet'],
    {
      stdio: 'inherit',
    },
  );
  const built = readdirSync(out).sort();
  const committed = readdirSync('dist').sort();
  const problems = [];
  for (const name of new Set([...built, ...committed])) {
    if (!built.includes(name)) problems.push(`dist/${name} is committed but no longer built`);
    else if (!committed.includes(name)) problems.push(`dist/${name} is built but not committed`);
    else if (!readFileSync(join(out, name)).equals(readFileSync(join('dist', name)))) {
      problems.push(`dist/${name} differs from the build`);
    }
  }
  if (problems.length > 0) {
    console.error(
      `${problems.join('\n')}\nRun \`npm run bundle\` and commit dist/ with its source.`,
    );
    process.exitCode = 1;
  } else {
    console.log(`dist/ matches the build (${built.length} files).`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
