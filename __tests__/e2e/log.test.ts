import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDist } from '../helpers/run-dist';

/** A span as the log prints it: one JSON object per line. */
const SPAN_LINE = /^\{"traceId":"[0-9a-f]{32}"/;

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describe('the log', { concurrency: true }, () => {
  test('in a terminal: no spans, and the verdict is the last line', async () => {
    const run = await runDist({ runner: false, inputs: { requests: '50', concurrency: '5' } });
    assert.equal(run.code, 0, run.stderr);
    assert.match(lastLine(run.stdout), /^PASS: trace context propagated through service-a/);
    assert.equal(run.stdout.split('\n').filter((line) => SPAN_LINE.test(line)).length, 0);
  });

  test('in a terminal, a failure: the report ends with FAIL, the reason follows on stderr', async () => {
    const run = await runDist({
      runner: false,
      inputs: { hops: '3', fault: 'strip-header', 'fault-hop': '2' },
    });
    assert.equal(run.code, 1);
    assert.match(lastLine(run.stdout), /^FAIL: trace context broken in service-a/);
    assert.match(lastLine(run.stderr), /^Error: Trace context propagation failed\./);
  });

  test('the CLI prints the spans only with --verbose, before the report', async () => {
    const quiet = await runDist({ cli: [], inputs: { hops: '3' } });
    assert.equal(quiet.stdout.split('\n').filter((line) => SPAN_LINE.test(line)).length, 0);
    assert.match(lastLine(quiet.stdout), /^PASS: /);
    const verbose = await runDist({ cli: ['--verbose'], inputs: { hops: '3' } });
    const spans = verbose.stdout.split('\n').filter((line) => SPAN_LINE.test(line));
    assert.ok(spans.length >= 7, `${spans.length} span lines`);
    assert.match(lastLine(verbose.stdout), /^PASS: /);
  });

  test('in the runner: spans in a collapsed group, capped with a line saying how many were left out', async () => {
    const run = await runDist({ inputs: { requests: '60', concurrency: '6' } });
    assert.equal(run.code, 0, run.stdout.slice(-2000));
    const lines = run.stdout.split('\n');
    const start = lines.findIndex((line) => /^::group::Exported spans \((\d+)\)$/.test(line));
    assert.ok(start >= 0, 'a spans group');
    const total = Number(/\((\d+)\)/.exec(lines[start]!)![1]);
    assert.ok(total > 200, `${total} spans`);
    const end = lines.indexOf('::endgroup::', start);
    const group = lines.slice(start + 1, end);
    assert.equal(group.filter((line) => SPAN_LINE.test(line)).length, 200);
    assert.equal(
      group.at(-1),
      `... ${total - 200} more spans not printed (${total} in all); the sample request's spans are in the JSON result.`,
    );
  });
});
