import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDist } from '../helpers/run-dist';

describe('annotations: one per broken hop, titled with it', () => {
  test('20 requests broken at hop 2: one annotation naming the hop, not one per request', async () => {
    const run = await runDist({
      inputs: {
        hops: '3',
        requests: '20',
        concurrency: '4',
        fault: 'strip-header',
        'fault-hop': '2',
      },
    });
    assert.equal(run.code, 1, run.stderr);
    const commands = run.stdout
      .split('\n')
      .filter((line) => /^::(error|warning|notice)/.test(line));
    assert.equal(commands.length, 1, commands.join('\n'));
    const match = /^::error title=([^:]*)::(.*)$/.exec(commands[0]!);
    assert.ok(match, commands[0]);
    assert.equal(match[1], 'Broken hop 2%3A service-b → service-c');
    assert.match(match[2]!, /^20 of 20 requests broken at GET http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(match[2]!, /same_trace: expected [0-9a-f]{32}, observed [0-9a-f]{32}\./);
  });

  test('a pass leaves no annotation', async () => {
    const run = await runDist({ inputs: { requests: '3' } });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /^::(error|warning)/m);
  });
});
