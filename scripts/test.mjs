// `npm test`: the static checks, then every test but the heavy suite (npm run test:heavy).
// The four checks are single-threaded, so they run in two lanes, one per core of a CI runner;
// each check's output is printed whole when it ends, so lanes never interleave lines. The tests
// start only when every check passed: dist/ must be the build of src/ (check-dist builds it once,
// into a temporary folder) before the end-to-end tests run it.
// Usage: node scripts/test.mjs [extra node --test arguments]
import { spawn } from 'node:child_process';

/** Lanes of npm scripts: the scripts of a lane run one after another, the lanes side by side. */
const LANES = [
  ['typecheck', 'format:check'],
  ['check-dist', 'check-licenses', 'lint'],
];

/**
 * Files run side by side: the end-to-end tests mostly wait on child processes and exporters'
 * batch delays, so more than the two cores; few enough that the processes they spawn still start.
 */
const TEST_CONCURRENCY = 4;

/** Everything but __tests__/heavy/: a new folder under __tests__ is picked up by itself. */
const TEST_GLOB = '__tests__/!(heavy)/**/*.test.ts';

/** Runs `npm run <script>` with its output kept; resolves with whether it passed. */
function runScript(script) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${code === 0 ? 'ok' : 'FAILED'}: ${script} (${seconds} s)\n`);
      if (code !== 0 || output.length > 0) process.stdout.write(Buffer.concat(output));
      resolve(code === 0);
    });
  });
}

async function runLane(scripts) {
  let passed = true;
  for (const script of scripts) passed = (await runScript(script)) && passed;
  return passed;
}

const checksPassed = (await Promise.all(LANES.map(runLane))).every(Boolean);
if (!checksPassed) {
  process.stdout.write('A check failed: the tests were not run.\n');
  process.exit(1);
}
const tests = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${TEST_CONCURRENCY}`,
    ...process.argv.slice(2),
    TEST_GLOB,
  ],
  { stdio: 'inherit' },
);
tests.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
