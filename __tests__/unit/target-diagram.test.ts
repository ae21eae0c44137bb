import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceDiagram } from '../../src/report/mermaid';

test('the target graph draws every edge: the entry request, answered, broken, external', () => {
  const diagram = serviceDiagram([
    { from: 'probe', to: 'checkout', call: 'POST http://127.0.0.1:9001/checkout', broken: false },
    { from: 'checkout', to: 'payment', call: 'POST http://127.0.0.1:9002/pay', broken: false },
    { from: 'payment', to: 'ledger', call: 'GET http://127.0.0.1:9003/post', broken: true },
    {
      from: 'payment',
      to: 'api.bank.test',
      call: 'GET https://api.bank.test/x',
      broken: false,
      external: true,
    },
  ]).split('\n');
  assert.ok(
    diagram.includes('  n0 -->|"POST http://127.0.0.1:9001/checkout"| n1'),
    diagram.join('\n'),
  );
  assert.ok(diagram.includes('  n2 -. "GET http://127.0.0.1:9003/post: context lost" .-> n3'));
  assert.ok(
    diagram.includes('  n2 -. "GET https://api.bank.test/x: external, not verified" .-> n4'),
  );
  assert.ok(diagram.includes('  class n3 broken'));
  assert.ok(diagram.includes('  class n4 external'));
});
