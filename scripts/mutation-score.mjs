// Reads Stryker's JSON report and prints the mutation score of the target-mode verifier, overall
// and without "message" mutants: string literals that are diagnosis text (a template literal, or
// a string with a space in it) rather than a value the code compares ('server', 'client').
// Usage: node scripts/mutation-score.mjs [reports/mutation/mutation.json]
import { readFileSync } from 'node:fs';

const report = JSON.parse(
  readFileSync(
    process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'reports/mutation/mutation.json',
    'utf8',
  ),
);
const KILLED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

/** The source text a mutant replaced. */
function original(source, { start, end }) {
  const lines = source.split('\n');
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1].slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1].slice(0, end.column - 1),
  ].join('\n');
}

function isMessage(mutant, source) {
  if (mutant.mutatorName !== 'StringLiteral') return false;
  const text = original(source, mutant.location);
  return text.startsWith('`') || text.includes(' ');
}

const rows = [];
const total = { all: [0, 0], nonMessage: [0, 0] };
const survivors = [];
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  const counts = { all: [0, 0], nonMessage: [0, 0] };
  for (const mutant of mutants) {
    if (!COUNTED.has(mutant.status)) continue;
    const killed = KILLED.has(mutant.status) ? 1 : 0;
    counts.all[0] += killed;
    counts.all[1] += 1;
    if (isMessage(mutant, source)) continue;
    counts.nonMessage[0] += killed;
    counts.nonMessage[1] += 1;
    if (!killed)
      survivors.push(
        `${file}:${mutant.location.start.line} ${mutant.mutatorName} -> ${mutant.replacement ?? ''}`,
      );
  }
  for (const key of ['all', 'nonMessage']) {
    total[key][0] += counts[key][0];
    total[key][1] += counts[key][1];
  }
  rows.push([file, counts]);
}
const pct = ([killed, all]) =>
  all === 0 ? 'n/a' : `${((100 * killed) / all).toFixed(1)}% (${killed}/${all})`;
console.log('| file | all mutants killed | non-message mutants killed |');
console.log('| --- | ---: | ---: |');
for (const [file, counts] of rows)
  console.log(`| ${file} | ${pct(counts.all)} | ${pct(counts.nonMessage)} |`);
console.log(`| **total** | ${pct(total.all)} | ${pct(total.nonMessage)} |`);
if (process.argv.includes('--survivors'))
  console.log(`\nSurvivors (non-message):\n${survivors.join('\n')}`);
