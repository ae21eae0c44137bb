// How every .js file of a bundle is minified: by scripts/bundle.mjs for dist/, and by the
// time-to-verdict benchmark for its floor, so both are built the same way. transformSync sees only
// the code, not where it lies, so the output is the same in any folder.
//
// Names are not kept (`keepNames: false`): keeping them wraps every function and class in a call
// that redefines its `name` at creation, closures made per request included: it cost the default
// run about 20 ms of CPU, most of it while the requests ran (BENCHMARKS.md, "Start-up, third
// round"). Nothing the action does reads a minified name: its errors set `name` as a field, the
// koa span is named after a method key (src/modes/self-test/service.ts), and the bundled packages
// read names for log, debug and deprecation messages, and in one check of koa's cookies on
// options the action never passes. Stack frames of a crash show minified names.
import { readFileSync, writeFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

/** Minifies one bundled .js file in place. */
export function minifyBundleFile(path) {
  const { code } = transformSync(readFileSync(path, 'utf8'), {
    minify: true,
    keepNames: false,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    logLevel: 'error',
  });
  writeFileSync(path, code);
}
