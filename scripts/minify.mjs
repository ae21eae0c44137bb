// How every .js file of a bundle is minified: by scripts/bundle.mjs for dist/, and by the
// time-to-verdict benchmark for its floor, so both are built the same way. Names are kept, so
// stack frames and class names stay readable. transformSync sees only the code, not where it lies,
// so the output is the same in any folder.
import { readFileSync, writeFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

/** Minifies one bundled .js file in place. */
export function minifyBundleFile(path) {
  const { code } = transformSync(readFileSync(path, 'utf8'), {
    minify: true,
    keepNames: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    logLevel: 'error',
  });
  writeFileSync(path, code);
}
