import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

async function load(): Promise<{
  releaseNotes(changelog: string, tag: string): string | undefined;
}> {
  // @ts-expect-error: a plain .mjs script, shared with the release workflow
  return await import('../../scripts/release-notes.mjs');
}

const CHANGELOG = `# Changelog

## [Unreleased]

### Added
- Next thing.

## [1.2.0] - 2026-11-01

### Added
- junit-file.

## 1.1.0 - 2026-10-01

- Older.
`;

describe('scripts/release-notes.mjs', () => {
  test('the section of the tagged version, without its heading, up to the next one', async () => {
    const { releaseNotes } = await load();
    assert.equal(releaseNotes(CHANGELOG, 'v1.2.0'), '### Added\n- junit-file.');
    assert.equal(releaseNotes(CHANGELOG, 'v1.1.0'), '- Older.');
  });

  test('no section (or 1.2.0 asked as 1.2.00, or a dot as any character): none', async () => {
    const { releaseNotes } = await load();
    assert.equal(releaseNotes(CHANGELOG, 'v1.3.0'), undefined);
    assert.equal(releaseNotes(CHANGELOG, 'v1x2x0'), undefined);
    assert.equal(releaseNotes('## [2.0.0]\n\n## [1.0.0]\n- x', 'v2.0.0'), undefined);
  });
});
