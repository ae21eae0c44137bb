import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDist } from '../helpers/run-dist';

/**
 * Open files the process may hold. Node and the action take about 36 before the first probe
 * (measured on Linux with Node 24); with one request at a time, each hop then adds two (the
 * caller's socket and the callee's), kept open by the keep-alive pools. 56 runs out near hop 9
 * of 15, so the entry service still accepts the probe and answers it, with a margin of several
 * hops either way for another kernel or Node build.
 */
const FD_LIMIT = 56;

/** The step's error line: an inner hop, its caller and callee, the request and the error code. */
const HOP_FAILURE =
  /^Probe request 1: hop (\d+) service-([a-p]) -> service-([a-p]) \(GET http:\/\/127\.0\.0\.1:\d+\/work\) failed with (EMFILE|ECONNRESET): .+\.$/;

describe('an inner hop that really fails, through dist/index.js', () => {
  test(
    'out of file descriptors: the verdict names the hop, the request and the error code',
    { skip: process.platform !== 'linux' && 'needs bash ulimit on Linux' },
    async () => {
      const run = await runDist({
        inputs: { hops: '16', requests: '3', concurrency: '1', timeout: '60' },
        fdLimit: FD_LIMIT,
      });
      // It ended by itself, as a failed step, with no stack trace.
      assert.equal(run.signal, null, `killed: ${run.stdout}\n${run.stderr}`);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');

      const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
      assert.equal(errors.length, 1, run.stdout);
      const message = errors[0]!.slice('::error::'.length);
      const match = HOP_FAILURE.exec(message);
      assert.ok(match, `not an inner hop's failure: ${message}`);
      // A hop inside the chain: the entry service accepted the probe and answered with the
      // failure it was passed, rather than the probe failing to reach it.
      const [, hop, caller, callee, code] = match;
      const index = (letter: string): number => letter.charCodeAt(0) - 'a'.charCodeAt(0);
      assert.ok(Number(hop) >= 1 && Number(hop) <= 15, message);
      assert.equal(index(caller!), Number(hop) - 1, message);
      assert.equal(index(callee!), Number(hop), message);
      // The cause is the resource fault itself, not a bare status from the entry.
      assert.ok(code === 'EMFILE' || code === 'ECONNRESET', message);
      assert.doesNotMatch(message, /HTTP 5\d\d/);

      // No verdict: outputs and summary say so with the same sentence.
      assert.equal(run.outputs.verdict, 'error');
      assert.equal(run.outputs['failed-checks'], '');
      const result = JSON.parse(run.outputs.result ?? '{}') as {
        verdict: string;
        error: string;
        observed: { requestsAnswered: number; servicesSeen: string[] };
      };
      assert.equal(result.verdict, 'error');
      assert.equal(result.error, message);
      assert.equal(result.observed.requestsAnswered, 0);
      assert.ok(result.observed.servicesSeen.includes(`service-${caller}`), run.outputs.result);
      // The summary escapes the sentence for HTML (colons too, against runner commands).
      const summaryText = run.summary
        .replace(/&#58;/g, ':')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
      assert.match(summaryText, /No verdict/);
      assert.ok(summaryText.includes(message), run.summary);
    },
  );

  test(
    'in a terminal: one error line naming the hop, exit 1, no stack trace',
    { skip: process.platform !== 'linux' && 'needs bash ulimit on Linux' },
    async () => {
      const run = await runDist({
        inputs: { hops: '16', requests: '3', concurrency: '1', timeout: '60' },
        fdLimit: FD_LIMIT,
        runner: false,
      });
      assert.equal(run.signal, null, `killed: ${run.stdout}\n${run.stderr}`);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('Error: '));
      assert.equal(errors.length, 1, run.stderr);
      assert.match(errors[0]!.slice('Error: '.length), HOP_FAILURE);
      assert.doesNotMatch(run.stdout, /::error::/);
    },
  );
});
