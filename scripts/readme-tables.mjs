// The README's inputs and outputs tables are generated from action.yml, so they cannot drift:
// `node scripts/readme-tables.mjs` rewrites them; a test fails when they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const cell = (text) =>
  String(text ?? '')
    .trim()
    .replace(/\s+/g, ' ')
    .replaceAll('|', '\\|');

/** Markdown for the inputs and outputs of an action.yml text. */
export function renderTables(actionYml) {
  const action = parse(actionYml);
  const inputs = Object.entries(action.inputs ?? {}).map(
    ([name, input]) =>
      `| \`${name}\` | ${cell(input.description)} | ${input.default === undefined ? '' : `\`${cell(input.default)}\``} |`,
  );
  const outputs = Object.entries(action.outputs ?? {}).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`,
  );
  return {
    inputs: ['| Input | Description | Default |', '| --- | --- | --- |', ...inputs].join('\n'),
    outputs: ['| Output | Description |', '| --- | --- |', ...outputs].join('\n'),
  };
}

/** The README with the text between each pair of markers replaced by the generated table. */
export function withTables(readme, actionYml) {
  const tables = renderTables(actionYml);
  let text = readme;
  for (const [name, table] of Object.entries(tables)) {
    const pattern = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
    if (!pattern.test(text)) throw new Error(`README.md has no <!-- ${name}:start --> marker`);
    text = text.replace(pattern, `$1${table}$2`);
  }
  return text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', withTables(readme, readFileSync('action.yml', 'utf8')));
}
