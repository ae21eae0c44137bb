import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chainDiagram, shownServices, traceDiagram } from '../../src/report/mermaid';
import { shortCell, shortIds } from '../../src/report/short-text';
import type { HopSummary, SpanRecord } from '../../src/verify/types';

const SERVICES = Array.from({ length: 16 }, (_, i) => `service-${String.fromCharCode(97 + i)}`);

function hops(broken: number[]): HopSummary[] {
  return SERVICES.slice(1).map((callee, index) => ({
    hop: index + 1,
    caller: SERVICES[index]!,
    callee,
    passed: broken.includes(index + 1) ? 0 : 200,
    failed: broken.includes(index + 1) ? 200 : 0,
    diagnosis: undefined,
  }));
}

describe('diagrams of a 16-service chain stay readable', () => {
  test('a pass: the first and last service, the 14 between folded into one node', () => {
    const diagram = chainDiagram(SERVICES, hops([]));
    assert.match(diagram, /^flowchart LR/);
    assert.deepEqual(shownServices(16, new Set()), [0, 15]);
    assert.match(
      diagram,
      /f0\[\/"service-b #8230; service-o: 14 services<br\/>hops 1-15 held"\/\]/,
    );
    assert.match(diagram, /n0 --> f0 --> n15/);
  });

  test('one broken hop: both its ends drawn, the hops that held on each side folded', () => {
    const diagram = chainDiagram(SERVICES, hops([9]));
    // The probe, 4 services and 2 folds: too many for a row.
    assert.match(diagram, /^flowchart TB/);
    assert.deepEqual(shownServices(16, new Set([9])), [0, 8, 9, 15]);
    assert.match(diagram, /n8 -\. "hop 9: context lost in 200\/200" \.-> n9/);
    assert.match(diagram, /class n9 broken/);
  });

  test('broken hops that make more than 6 services: drawn top-down', () => {
    const diagram = chainDiagram(SERVICES, hops([2, 5, 8, 11]));
    assert.match(diagram, /^flowchart TB/);
  });

  test('a short chain is drawn whole: left to right up to 3 services, top-down past them', () => {
    const five = chainDiagram(SERVICES.slice(0, 5), hops([3]).slice(0, 4));
    assert.match(five, /^flowchart TB/);
    assert.equal(five.split('\n').filter((line) => /^ {2}n\d+\["/.test(line)).length, 5);
    assert.doesNotMatch(five, /held/);
    assert.match(chainDiagram(SERVICES.slice(0, 3), hops([2]).slice(0, 2)), /^flowchart LR/);
    assert.match(chainDiagram(SERVICES.slice(0, 4), hops([2]).slice(0, 3)), /^flowchart TB/);
  });

  test('the trace of 16 services: top-down, only the broken hop and the ends, and a note', () => {
    const spans: SpanRecord[] = SERVICES.flatMap((service, index) => [
      record(
        service,
        'server',
        `${index}0`.padStart(16, 'a'),
        index ? `${index - 1}1`.padStart(16, 'a') : undefined,
      ),
      record(service, 'client', `${index}1`.padStart(16, 'a'), `${index}0`.padStart(16, 'a')),
    ]);
    const diagram = traceDiagram(spans, [], SERVICES);
    assert.match(diagram, /^flowchart TB/);
    assert.equal(diagram.split('\n').filter((line) => line.startsWith('  subgraph')).length, 2);
    assert.match(diagram, /14 services with 28 spans not drawn/);
    assert.match(diagram, /folded --> /);
  });
});

describe('short cells', () => {
  test('ids keep 8 digits; other text is cut with an ellipsis', () => {
    assert.equal(
      shortIds('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
      '00-4bf92f35…-00f067aa…-01',
    );
    assert.equal(shortIds('port 40733, hop 12'), 'port 40733, hop 12');
    assert.equal(shortCell('x'.repeat(200), 20).length, 20);
  });
});

function record(
  service: string,
  kind: SpanRecord['kind'],
  spanId: string,
  parentSpanId: string | undefined,
): SpanRecord {
  return {
    traceId: 'f'.repeat(32),
    spanId,
    parentSpanId,
    parentIsRemote: undefined,
    name: 'GET',
    kind,
    service,
    startTimeMs: 0,
    endTimeMs: 1,
    attributes: {},
  };
}
