import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml, escapeMermaid } from '../../src/report/escape';
import { chainDiagram } from '../../src/report/mermaid';
import { percentiles } from '../../src/report/percentiles';
import { getErrorMessage } from '../../src/errors';

describe('percentiles', () => {
  test('nearest rank over 1..100', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.deepEqual(percentiles(values), { p50: 50, p95: 95, p99: 99, max: 100 });
  });
  test('one value and none', () => {
    assert.deepEqual(percentiles([3.14159]), { p50: 3.1, p95: 3.1, p99: 3.1, max: 3.1 });
    assert.deepEqual(percentiles([]), { p50: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe('escaping', () => {
  test('html: received text cannot open tags or break tables', () => {
    assert.equal(
      escapeHtml('<img src=x onerror="a">|`'),
      '&lt;img src=x onerror=&quot;a&quot;&gt;&#124;&#96;',
    );
  });
  test('mermaid: quotes and brackets become entities', () => {
    assert.equal(escapeMermaid('GET /a"]-->x'), 'GET /a#34;#93;--#62;x');
  });
});

describe('chainDiagram', () => {
  test('a broken hop is dashed and its callee outlined', () => {
    const diagram = chainDiagram(
      ['service-a', 'service-b', 'service-c'],
      [
        {
          hop: 1,
          caller: 'service-a',
          callee: 'service-b',
          passed: 1,
          failed: 0,
          diagnosis: undefined,
        },
        { hop: 2, caller: 'service-b', callee: 'service-c', passed: 0, failed: 1, diagnosis: 'x' },
      ],
    );
    assert.match(diagram, /n0 -->\|"hop 1"\| n1/);
    assert.match(diagram, /n1 -\. "hop 2: context lost" \.-> n2/);
    assert.match(diagram, /class n2 broken/);
  });
});

describe('getErrorMessage', () => {
  test('any thrown value becomes one message', () => {
    assert.equal(getErrorMessage(new Error('boom')), 'boom');
    assert.equal(getErrorMessage('plain'), 'plain');
    assert.equal(getErrorMessage({ code: 7 }), '{"code":7}');
    assert.equal(getErrorMessage(undefined), 'undefined');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.equal(getErrorMessage(circular), '[object Object]');
  });
});
