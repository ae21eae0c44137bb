import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeOtlpJson } from '../helpers/otlp-json';
import type { SpanRecord } from '../../src/verify/types';
import { runDist, type DistRun } from '../helpers/run-dist';
import { freePorts, startChain, type Fixture } from '../target/harness';

/** The JUnit shape test-report actions read: testsuites > testsuite > testcase > failure. */
interface JUnitCase {
  '@_classname': string;
  '@_name': string;
  '@_time': string;
  failure?: { '@_message': string; '@_type': string; '#text'?: string };
  error?: { '@_message': string };
}
interface JUnitSuite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_time': string;
  testcase: JUnitCase[];
}

function readJUnit(path: string): { suites: JUnitSuite[]; root: Record<string, string> } {
  const xml = readFileSync(path, 'utf8');
  assert.equal(XMLValidator.validate(xml), true, 'well-formed XML');
  const parsed = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  }).parse(xml) as { testsuites: Record<string, string> & { testsuite: JUnitSuite[] } };
  assert.ok(parsed.testsuites, 'a <testsuites> root');
  return { suites: parsed.testsuites.testsuite, root: parsed.testsuites };
}

function readTraces(path: string): SpanRecord[] {
  const conversion = decodeOtlpJson(readFileSync(path));
  assert.deepEqual(conversion.rejected, [], 'the receiver accepts every span written');
  return conversion.spans;
}

function files(): { junit: string; traces: string } {
  const folder = mkdtempSync(join(tmpdir(), 'propagation-check-files-'));
  return { junit: join(folder, 'reports', 'junit.xml'), traces: join(folder, 'traces.json') };
}

function resultOf(run: DistRun): {
  checks: { check: string; hop: number | null; passed: boolean }[];
  spans: { span_id: string }[];
} {
  return JSON.parse(run.outputs.result ?? '{}');
}

describe('junit-file and traces-file, self-test', { concurrency: true }, () => {
  test('a broken hop: one failing test case per failed check at that hop, traces of the failed requests', async () => {
    const paths = files();
    const run = await runDist({
      inputs: {
        hops: '3',
        requests: '3',
        fault: 'strip-header',
        'fault-hop': '2',
        'junit-file': paths.junit,
        'traces-file': paths.traces,
      },
    });
    assert.equal(run.code, 1, run.stderr);
    const result = resultOf(run);
    const { suites, root } = readJUnit(paths.junit);
    assert.equal(suites.length, 1);
    const cases = suites[0]!.testcase;
    assert.equal(cases.length, result.checks.length, 'one test case per check per hop');
    const failing = cases.filter((c) => c.failure !== undefined);
    assert.equal(failing.length, result.checks.filter((c) => !c.passed).length);
    assert.equal(root['@_failures'], String(failing.length));
    assert.equal(suites[0]!['@_failures'], String(failing.length));
    // Readers sum the times: every element carries one.
    assert.ok(Number(suites[0]!['@_time']) > 0 && Number(root['@_time']) > 0);
    assert.ok(cases.every((c) => c['@_time'] === '0'));
    for (const c of failing) assert.match(c.failure!['@_message'], /^expected .+, observed .+$/s);
    assert.ok(
      failing.some(
        (c) =>
          c['@_classname'] === 'self-test.hop-2' &&
          c['@_name'].startsWith('hop 2: service-b -> service-c: ') &&
          c.failure!['@_type'] === 'same_trace',
      ),
      JSON.stringify(failing.map((c) => c['@_name'])),
    );
    assert.ok(cases.filter((c) => c['@_classname'] === 'self-test.hop-1').every((c) => !c.failure));

    const spans = readTraces(paths.traces);
    assert.ok(spans.length > 0);
    const ids = new Set(spans.map((s) => s.spanId));
    for (const row of result.spans) assert.ok(ids.has(row.span_id), `sample span ${row.span_id}`);
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 6, 'two traces per broken request');
    assert.ok(spans.some((s) => s.kind === 'server' && s.parentIsRemote === true));
    assert.match(run.stdout, /Wrote \d+ spans of the failed traces as OTLP\/JSON to /);
  });

  test('a pass: no failures, every exported span in the traces file', async () => {
    const paths = files();
    const run = await runDist({
      inputs: { requests: '2', 'junit-file': paths.junit, 'traces-file': paths.traces },
    });
    assert.equal(run.code, 0, run.stderr);
    const { suites } = readJUnit(paths.junit);
    assert.ok(suites[0]!.testcase.length > 0);
    assert.ok(suites[0]!.testcase.every((c) => c.failure === undefined));
    const exported = Number(/Exported spans \((\d+)\)/.exec(run.stdout)?.[1]);
    assert.equal(readTraces(paths.traces).length, exported);
  });

  test('a file that cannot be written fails the step naming the input; the verdict stands', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'propagation-check-files-'));
    const run = await runDist({ inputs: { 'junit-file': folder } });
    assert.equal(run.code, 1, run.stdout.slice(-2000));
    assert.equal(run.outputs.verdict, 'pass');
    assert.ok(
      run.stdout.includes(
        `::error::Input 'junit-file': could not write ${JSON.stringify(folder)} (EISDIR).`,
      ),
      run.stdout.slice(-2000),
    );
  });

  test('no verdict: the JUnit report holds one test case in error, saying why', async () => {
    const paths = files();
    const run = await runDist({ inputs: { hops: '1', 'junit-file': paths.junit } });
    assert.equal(run.code, 1);
    const { suites } = readJUnit(paths.junit);
    assert.match(suites[0]!.testcase[0]!.error!['@_message'], /^Input 'hops' must be/);
  });
});

describe('junit-file and traces-file, target mode', () => {
  const running: Fixture[] = [];
  after(async () => {
    await Promise.all(running.map((f) => f.stop()));
  });

  test('a service that does not propagate: its edges fail in the JUnit report', async () => {
    const [httpPort, grpcPort] = await freePorts(2);
    const chain = await startChain(
      [{ name: 'service-a' }, { name: 'service-b', propagation: 'off' }, { name: 'service-c' }],
      { httpPort: httpPort!, grpcPort: grpcPort! },
    );
    running.push(...chain);
    const paths = files();
    const run = await runDist({
      inputs: {
        'target-url': chain[0]!.url,
        'wait-for': chain[0]!.url,
        'receiver-http-port': String(httpPort),
        'receiver-grpc-port': String(grpcPort),
        'expect-services': 'service-a,service-b,service-c',
        settle: '300',
        timeout: '20',
        'junit-file': paths.junit,
        'traces-file': paths.traces,
      },
    });
    assert.equal(run.code, 1, run.stdout.slice(0, 3000));
    const cases = readJUnit(paths.junit).suites[0]!.testcase;
    const edges = cases.filter((c) => c['@_classname'] === 'target.edges');
    assert.ok(
      edges.some(
        (c) => c['@_name'].startsWith('context propagates service-a → service-b') && c.failure,
      ),
      JSON.stringify(edges),
    );
    assert.ok(
      cases.some((c) => c['@_classname'] === 'target' && c.failure?.['@_type'] === 'no_new_roots'),
    );
    const spans = readTraces(paths.traces);
    assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(), [
      'service-a',
      'service-b',
      'service-c',
    ]);
    // One annotation per broken edge, titled with it.
    const titles = run.stdout.split('\n').filter((l) => l.startsWith('::error title=Broken edge'));
    assert.equal(new Set(titles.map((l) => l.split('::')[1])).size, titles.length);
    assert.ok(titles.length >= 1, run.stdout.slice(0, 3000));
  });
});
