import { run } from './main';

/** Bound on how long the process may linger after the run: nothing may keep a step alive. */
const EXIT_GRACE_MS = 5000;

/** dist/cli.js marks itself before loading this bundle: one bundle serves both entry points. */
const asCli = (globalThis as { propagationCheckEntry?: string }).propagationCheckEntry === 'cli';

// A reader that stops early (`node dist/cli.js | head`) closes the pipe: stop quietly, keeping the
// exit status, rather than crash on the next write.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit();
});

// The command line's parser and help are a chunk of their own: the action never loads them.
const started = asCli ? import('./cli').then(({ runCli }) => runCli(), cliMissing) : run();
void started.finally(() => {
  setTimeout(() => {
    process.stderr.write('propagation-check: a handle stayed open after the run; exiting.\n');
    process.exit();
  }, EXIT_GRACE_MS).unref();
});

/** The command line's chunk did not load (a dist/ copied without its chunks): one line, exit 1. */
function cliMissing(error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`propagation-check: the command line could not be loaded: ${reason}\n`);
  process.exitCode = 1;
}
