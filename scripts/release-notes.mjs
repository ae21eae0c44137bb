// Prints the CHANGELOG.md section of one version, for the GitHub release of its tag. Fails when
// the section is missing or empty: a release says what changed.
// Usage: node scripts/release-notes.mjs v1.2.3 [CHANGELOG.md]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The body of the `## [1.2.3]` (or `## 1.2.3`) section, without its heading; undefined if none. */
export function releaseNotes(changelog, tag) {
  const version = tag.replace(/^v/, '');
  const lines = changelog.split('\n');
  const heading = new RegExp(`^## \\[?${version.replaceAll('.', '\\.')}\\]?(\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start === -1) return undefined;
  const end = lines.findIndex((line, index) => index > start && /^## /.test(line));
  const body = lines
    .slice(start + 1, end === -1 ? undefined : end)
    .join('\n')
    .trim();
  return body === '' ? undefined : body;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [tag, file = 'CHANGELOG.md'] = process.argv.slice(2);
  if (!tag || !/^v\d+\.\d+\.\d+([-+].*)?$/.test(tag)) {
    console.error('Usage: node scripts/release-notes.mjs v1.2.3 [CHANGELOG.md]');
    process.exit(2);
  }
  const notes = releaseNotes(readFileSync(file, 'utf8'), tag);
  if (notes === undefined) {
    console.error(
      `${file} has no section for ${tag.replace(/^v/, '')}: add "## [${tag.replace(/^v/, '')}] - date".`,
    );
    process.exit(1);
  }
  process.stdout.write(`${notes}\n`);
}
