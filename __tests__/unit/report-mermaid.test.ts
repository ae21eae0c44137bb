// The mermaid diagrams of the job summary: the chain, the trace of one request, and target mode's
// service graph. Structure only (nodes, arrows, which are broken): escaping is escape.ts's job.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chainDiagram, serviceDiagram, traceDiagram } from '../../src/report/mermaid';
import type { HopSummary } from '../../src/verify/types';
import { A_CLIENT, A_SERVER, B_SERVER, sampleSpans } from '../helpers/report-results';

const SERVICES = ['service-a', 'service-b', 'service-c'];

function hop(number: number, passed: number, failed: number): HopSummary {
  return {
    hop: number,
    caller: SERVICES[number - 1]!,
    callee: SERVICES[number]!,
    passed,
    failed,
    diagnosis: failed > 0 ? 'lost' : undefined,
  };
}

/** The lines of a diagram that draw arrows. */
function arrows(diagram: string): string[] {
  return diagram.split('\n').filter((line) => /-->|-\./.test(line));
}

describe('chainDiagram', () => {
  test('a passing chain: the probe, one node per service, solid arrows, nothing outlined', () => {
    const diagram = chainDiagram(SERVICES, [hop(1, 1, 0), hop(2, 1, 0)]);
    assert.equal(diagram.split('\n')[0], 'flowchart LR');
    assert.equal(diagram.match(/^ {2}n\d+\["/gm)?.length, 3);
    assert.deepEqual(arrows(diagram), [
      '  probe --> n0',
      '  n0 -->|"hop 1"| n1',
      '  n1 -->|"hop 2"| n2',
    ]);
    assert.doesNotMatch(diagram, /classDef|class /);
  });

  test('a hop broken in some requests is dashed with the count, its callee outlined', () => {
    const diagram = chainDiagram(SERVICES, [hop(1, 3, 0), hop(2, 2, 1)]);
    assert.ok(arrows(diagram).includes('  n1 -. "hop 2: context lost in 1/3" .-> n2'), diagram);
    assert.match(diagram, /^ {2}class n2 broken$/m);
  });

  test('two broken hops: both callees outlined in one class line', () => {
    const diagram = chainDiagram(SERVICES, [hop(1, 0, 1), hop(2, 0, 1)]);
    assert.match(diagram, /^ {2}class n1,n2 broken$/m);
    assert.equal(arrows(diagram).filter((line) => line.includes('-.')).length, 2);
  });

  test('a service name cannot add lines to the diagram', () => {
    const diagram = chainDiagram(['a"]\nx-->y', 'b'], [hop(1, 1, 0)]);
    assert.equal(
      diagram.split('\n').length,
      chainDiagram(['a', 'b'], [hop(1, 1, 0)]).split('\n').length,
    );
  });
});

describe('traceDiagram', () => {
  test('a joined trace: one box per service, parent -> child arrows, nothing broken', () => {
    const diagram = traceDiagram(sampleSpans(false), []);
    assert.equal(diagram.match(/^ {2}subgraph /gm)?.length, 2);
    assert.deepEqual(arrows(diagram), [
      `  s${A_SERVER} --> s${A_CLIENT}`,
      `  s${A_CLIENT} --> s${B_SERVER}`,
    ]);
    assert.doesNotMatch(diagram, /classDef/);
  });

  test('a broken hop: a dashed arrow from the client span to the new root, outlined', () => {
    const diagram = traceDiagram(sampleSpans(true), [
      { hop: 1, fromSpanId: A_CLIENT, toSpanId: B_SERVER },
    ]);
    assert.deepEqual(arrows(diagram), [
      `  s${A_SERVER} --> s${A_CLIENT}`,
      `  s${A_CLIENT} -. "context lost (hop 1)" .-> s${B_SERVER}`,
    ]);
    assert.match(diagram, new RegExp(`^ {2}class s${B_SERVER} broken$`, 'm'));
  });

  test('a broken edge whose client span was not exported: the new root still outlined', () => {
    const diagram = traceDiagram(sampleSpans(true), [
      { hop: 1, fromSpanId: undefined, toSpanId: B_SERVER },
    ]);
    assert.equal(arrows(diagram).filter((line) => line.includes('-.')).length, 0);
    assert.match(diagram, new RegExp(`class s${B_SERVER} broken`));
  });

  test('a parent that is not among the spans draws no arrow', () => {
    const [, client, server] = sampleSpans(false);
    assert.deepEqual(arrows(traceDiagram([client!, server!], [])), [
      `  s${A_CLIENT} --> s${B_SERVER}`,
    ]);
  });
});

describe('serviceDiagram', () => {
  test('one node per service, one arrow per distinct call, broken ones dashed', () => {
    const diagram = serviceDiagram([
      { from: 'probe', to: 'a', call: 'GET /', broken: false },
      { from: 'a', to: 'b', call: 'GET /b', broken: false },
      { from: 'a', to: 'b', call: 'GET /b?again', broken: false },
      { from: 'b', to: 'c', call: '', broken: true },
      { from: 'a', to: 'c', call: 'POST /c', broken: true },
    ]);
    assert.equal(diagram.match(/^ {2}n\d+\["/gm)?.length, 4);
    assert.equal(arrows(diagram).length, 4, 'the repeated a -> b call is drawn once');
    assert.ok(arrows(diagram).includes('  n2 -. "call: context lost" .-> n3'), diagram);
    assert.match(diagram, /^ {2}class n3 broken$/m, 'c outlined once');
  });

  test('no broken call: nothing outlined', () => {
    const diagram = serviceDiagram([{ from: 'probe', to: 'a', call: 'GET /', broken: false }]);
    assert.deepEqual(arrows(diagram), ['  n0 -->|"GET /"| n1']);
    assert.doesNotMatch(diagram, /classDef/);
  });
});
