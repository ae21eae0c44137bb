// Fails when dist/ is not what the source builds to: the runner executes dist/, not src/.
// Builds into a temporary folder and compares every file, byte for byte, both ways.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'propagation-check-dist-'));
try {
  execFileSync('node', ['scripts/bundle.mjs', out], { stdio: 'inherit' });
  const built = files(out);
  const committed = files('dist');
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

/** Every file below `root`, as paths relative to it, sorted. */
function files(root) {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}
