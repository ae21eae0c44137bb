import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setLogSink } from '../../src/log';
import { OutputLog, visibleLine } from '../../src/modes/target/output-log';
import { processTailsHtml, printProcessLogs } from '../../src/modes/target/service-report';

describe('captured output of started processes', () => {
  test('chunks become lines, whatever the chunk boundaries', () => {
    const log = new OutputLog();
    for (const chunk of ['one\r\ntw', 'o\n', 'three']) log.append(chunk);
    assert.deepEqual(log.all(), ['one', 'two', 'three']);
    assert.deepEqual(log.tail(2), ['two', 'three']);
  });

  test('bounded: old lines are dropped and counted, endless lines cut', () => {
    const log = new OutputLog();
    for (let index = 0; index < 5000; index += 1) log.append(`line ${index}\n`);
    assert.equal(log.all().length, 2000);
    assert.equal(log.all().at(-1), 'line 4999');
    assert.equal(log.droppedLines(), 3000);
    const endless = new OutputLog();
    endless.append('x'.repeat(10_000));
    assert.ok(endless.all()[0]!.length < 2100);
  });

  test('control characters are shown, not obeyed', () => {
    assert.equal(visibleLine('a\u001b[31mred\rb\tc'), 'a\\x1b[31mred\\x0db\tc');
  });

  test('no line a process printed can start a workflow command in the log', () => {
    const log = new OutputLog();
    log.append('::error::forged\n  ::set-output name=verdict::pass\n::endgroup::\n');
    // The runner's log, as the action's sink (@actions/core) writes it.
    const lines: string[] = [];
    const previous = setLogSink({
      info: (line) => lines.push(line),
      warning: (line) => lines.push(`::warning::${line}`),
      startGroup: (name) => lines.push(`::group::${name}`),
      endGroup: () => lines.push('::endgroup::'),
    });
    try {
      printProcessLogs([{ title: 'service a', status: 'exited with code 1', output: log }], true);
    } finally {
      setLogSink(previous);
    }
    const commands = lines.filter((line) => line.trimStart().startsWith('::'));
    assert.equal(commands.length, 4, commands.join('\n')); // group, stop-commands, resume, endgroup
    assert.match(commands[1]!, /^::stop-commands::(propagation-check-[0-9a-f-]{36})$/);
    const token = /::stop-commands::(.*)/.exec(commands[1]!)![1];
    assert.equal(commands[2], `::${token}::`);
  });

  test('the summary escapes what the process printed', () => {
    const log = new OutputLog();
    log.append('<img src=x onerror=alert(1)> | `code`\n');
    const html = processTailsHtml([{ title: 'service <a>', status: 'died', output: log }]);
    assert.doesNotMatch(html, /<img|<a>|`/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  });
});
