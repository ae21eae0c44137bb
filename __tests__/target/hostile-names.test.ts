import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { inertName } from '../../src/report/untrusted';
import { readActionYml } from '../helpers/action-yml';
import { headingsOf, renderGfm } from '../helpers/gfm';
import {
  HOSTILE_CR,
  HOSTILE_INVISIBLE,
  HOSTILE_MARKDOWN,
  HOSTILE_OLD_COMMAND,
  HOSTILE_PERCENT,
  HOSTILE_SERVICE,
  HOSTILE_SPAN_NAME,
  injectedCommands,
} from '../helpers/hostile-text';
import { runDist } from '../helpers/run-dist';
import { freePorts, startChain, type Fixture } from './harness';

/** The trace id of a span the receiver refuses; its reason quotes the id. */
const HOSTILE_TRACE_ID = 'zz\n::error::refused\r##[add-mask]q';
const POST_DEADLINE_MS = 15_000;

const running: Fixture[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

/**
 * Sends one OTLP/JSON span with a hostile trace id from the service `ghost`, straight to the
 * action's receiver, as soon as it listens (bounded): the receiver refuses it and says why.
 */
async function sendRefusedSpan(httpPort: number): Promise<boolean> {
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ghost' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: HOSTILE_TRACE_ID,
                spanId: '0102030405060708',
                name: HOSTILE_SPAN_NAME,
                kind: 2,
                startTimeUnixNano: '1000000',
                endTimeUnixNano: '2000000',
              },
            ],
          },
        ],
      },
    ],
  });
  const deadline = Date.now() + POST_DEADLINE_MS;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(2000),
      });
      await response.text();
      return response.ok;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

/** `::error::` and the like (titled or not), issued by the action: their data must be %-escaped. */
function ownCommandData(stdout: string): string[] {
  const command = /^::(error|warning|notice)( [^:]*)?::/;
  return stdout
    .split('\n')
    .filter((line) => command.test(line))
    .map((line) => line.replace(command, ''));
}

test('hostile span, service and id text through a real exporter stays inert in log, outputs and summary', async () => {
  const [httpPort, grpcPort] = await freePorts(2);
  const chain = await startChain(
    [
      {
        name: HOSTILE_SERVICE,
        env: { SPAN_NAME: HOSTILE_SPAN_NAME },
      },
      {
        name: 'backend',
        // A new trace at the second service: the diagnoses quote both services' spans.
        propagation: 'off',
        env: {
          SPAN_NAME: [
            HOSTILE_MARKDOWN,
            HOSTILE_CR,
            HOSTILE_PERCENT,
            HOSTILE_OLD_COMMAND,
            HOSTILE_INVISIBLE,
          ].join(' '),
        },
      },
    ],
    { httpPort: httpPort!, grpcPort: grpcPort! },
  );
  running.push(...chain);
  const entryUrl = `http://127.0.0.1:${chain[0]!.port}/entry`;
  const [run, refusedSent] = await Promise.all([
    runDist({
      inputs: {
        'target-url': entryUrl,
        'receiver-http-port': String(httpPort),
        'receiver-grpc-port': String(grpcPort),
        'expect-services': 'backend,ghost',
        'wait-for': entryUrl,
        settle: '300',
        timeout: '15',
      },
    }),
    sendRefusedSpan(httpPort!),
  ]);
  assert.equal(run.signal, null, 'the action ended by itself');
  assert.ok(refusedSent, 'the refused span reached the receiver');

  // The log: the hostile text is there, escaped, and no line is a command the action did not issue.
  assert.equal(run.code, 1, 'the broken trace fails the step');
  assert.deepEqual(injectedCommands(run.stdout), []);
  assert.ok(run.stdout.includes(inertName(HOSTILE_SERVICE)), 'the service name is in the log');
  assert.ok(run.stdout.includes('GET /\\n::add-mask::x'), 'the span name is in the log');
  assert.doesNotMatch(run.stdout, /::add-mask::(?!x)|^\s*::add-mask/m);
  const annotations = ownCommandData(run.stdout);
  assert.ok(annotations.length >= 1, 'the failed step is annotated');
  assert.equal(new Set(annotations).size, annotations.length, 'no annotation twice');
  for (const data of annotations) assert.doesNotMatch(data, /%(?!25|0D|0A)/);

  // The outputs: exactly the action's, each parsed back whole.
  assert.deepEqual(Object.keys(run.outputs).sort(), Object.keys(readActionYml().outputs).sort());
  const result = JSON.parse(run.outputs.result!) as {
    verdict: string;
    services_seen: string[];
    diagnoses: string[];
    spans: { name: string }[];
  };
  assert.equal(result.verdict, 'fail');
  assert.equal(run.outputs.verdict, 'fail');
  assert.ok(result.services_seen.includes(inertName(HOSTILE_SERVICE)), result.services_seen.join());
  assert.ok(result.spans.some((s) => s.name === inertName(HOSTILE_SPAN_NAME)));
  const refused = result.diagnoses.find((d) => d.includes('refused'));
  assert.ok(refused, `the refused span is named: ${result.diagnoses.join(' | ')}`);
  assert.ok(refused.includes('zz\\n::error::refused\\r##\\x5badd-mask]q'), refused);

  // The summary as GitHub renders it: only the action's headings, no image, no link.
  const html = renderGfm(run.summary);
  assert.doesNotMatch(html, /<img|<a |href=/);
  assert.deepEqual(
    headingsOf(html).map((h) => h.replace(/ behind .*/, '')),
    ['❌ Trace context broken', 'Findings', 'Probes'],
    'no heading but the action’s own',
  );
  assert.match(html, /&#35;&#35; ✅ All checks passed/, 'the fake heading shows as text');
});
