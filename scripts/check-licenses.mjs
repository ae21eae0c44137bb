// Fails when a dependency bundled into dist/ has an unknown or copyleft license. Two sources:
// - dist/licenses.txt, where ncc writes one entry per bundled package that ships a license file:
//   its name, its license (SPDX), then the text. Each entry is found by a line naming an installed
//   package right after a blank line; its expression must be met from the allowlist and agree
//   with the package's package.json.
// - package-lock.json: every production (non-dev) package, since ncc leaves out packages that ship
//   no license file, and whatever is bundled comes from that tree. Each needs an allowed license.
// Usage: node scripts/check-licenses.mjs [dist/licenses.txt]   (run by `npm test`)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Permissive licenses: keep the notice, nothing more. Anything else needs a human decision. */
export const ALLOWED = new Set([
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'ISC',
  'MIT',
  'MIT-0',
  'Python-2.0',
  'Unlicense',
]);

/** True when an SPDX expression can be met with allowed licenses (OR: one side; AND: both). */
export function allowedExpression(expression) {
  const text = expression.trim().replace(/^\((.*)\)$/, '$1');
  if (text === '') return false;
  const either = text.split(/\s+OR\s+/);
  if (either.length > 1) return either.some(allowedExpression);
  const both = text.split(/\s+AND\s+/);
  if (both.length > 1) return both.every(allowedExpression);
  return ALLOWED.has(text.replace(/\+$/, ''));
}

/**
 * The bundled packages named in a licenses.txt text, each with its license line, and the problems:
 * a license that is missing, unknown, copyleft or at odds with the package's own declaration.
 * `declared(name)` returns the package.json license of an installed package, or undefined when
 * no such package is installed (then the line is license text, not an entry).
 */
export function checkLicenses(text, declared) {
  const lines = text.split('\n');
  const packages = [];
  const problems = [];
  for (let index = 0; index < lines.length; index += 1) {
    const name = lines[index].trim();
    const startsEntry = index === 0 || lines[index - 1].trim() === '';
    if (!startsEntry || !/^(@[\w.-]+\/)?[\w.-]+$/.test(name)) continue;
    const own = declared(name);
    if (own === undefined) continue;
    const license = (lines[index + 1] ?? '').trim();
    packages.push({ name, license });
    if (!allowedExpression(license)) {
      problems.push(`${name}: license ${JSON.stringify(license)} is not on the allowlist`);
    } else if (own !== license) {
      problems.push(`${name}: licenses.txt says ${license}, its package.json says ${own}`);
    }
  }
  if (packages.length === 0) problems.push('no bundled package found in licenses.txt');
  return { packages, problems };
}

/** Production packages of a package-lock.json (v2/v3) whose license is missing or not allowed. */
export function checkLockfile(lock) {
  const problems = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.dev || entry.devOptional || entry.link) continue;
    checked += 1;
    const license = typeof entry.license === 'string' ? entry.license : '';
    if (!allowedExpression(license)) {
      problems.push(`${path}: license ${JSON.stringify(license)} is not on the allowlist`);
    }
  }
  return { checked, problems };
}

/** The license an installed package declares, from node_modules; undefined when not installed. */
export function installedLicense(name, root = process.cwd()) {
  const file = join(root, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return undefined;
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  const license = manifest.license ?? manifest.licenses?.[0]?.type ?? '';
  return typeof license === 'string' ? license : (license.type ?? '');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? join('dist', 'licenses.txt');
  const bundled = checkLicenses(readFileSync(file, 'utf8'), (name) => installedLicense(name));
  const tree = checkLockfile(JSON.parse(readFileSync('package-lock.json', 'utf8')));
  const problems = [...bundled.problems, ...tree.problems];
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\nSee ALLOWED in scripts/check-licenses.mjs.`);
    process.exitCode = 1;
  } else {
    console.log(
      `Licenses allowed: ${bundled.packages.length} packages in ${file}, ${tree.checked} production packages in package-lock.json.`,
    );
  }
}
