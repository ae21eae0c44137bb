// Review of s21-gateway with REAL instrumented services (fixtures/koa-health.cjs): a Koa checkout
// (instrumentation-koa puts a middleware span between its server span and its client span) calls
// payment; a health check of payment on / arrives during a probe of /. On 1b87721 the run passed;
// rule 3's forwarders read checkout as a request that made no instrumented call (`clientsUnder`
// reads only client spans whose parent is the server span) and blame it: a false FAIL, with the
// diagnosis "checkout exported no client span" though it did.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { verifyTarget, type TargetInput } from '../../src/verify/target';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'koa-health.cjs');

async function observe(
  env: Record<string, string>,
): Promise<Pick<TargetInput, 'probes' | 'spans'>> {
  const { stdout } = await promisify(execFile)(process.execPath, [FIXTURE], {
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Pick<TargetInput, 'probes' | 'spans'>;
}

function verify(observed: Pick<TargetInput, 'probes' | 'spans'>) {
  return verifyTarget({ ...observed, expectServices: [], header: 'traceparent' });
}

describe('real Koa service: a health check during the probe', () => {
  test('the spans have the shape the review is about (client under a middleware span)', async () => {
    const observed = await observe({ ENTRY_PATH: '/', HEALTH_PATH: '/' });
    const byId = new Map(observed.spans.map((span) => [span.spanId, span]));
    const call = observed.spans.find((span) => span.kind === 'client');
    assert.equal(call?.service, 'checkout');
    assert.equal(byId.get(call.parentSpanId!)?.kind, 'internal');
    const roots = observed.spans.filter((span) => span.parentSpanId === undefined);
    assert.deepEqual(
      roots.map((span) => [span.service, span.kind]),
      [['payment', 'server']],
    );
  });

  test('a health check of payment on / during a probe of / passes', async () => {
    const result = verify(await observe({ ENTRY_PATH: '/', HEALTH_PATH: '/' }));
    assert.deepEqual(result.failedChecks, [], JSON.stringify(result.sample.diagnoses));
  });

  test('a health check on another path passes (the path test holds there)', async () => {
    const result = verify(await observe({ ENTRY_PATH: '/', HEALTH_PATH: '/health' }));
    assert.deepEqual(result.failedChecks, [], JSON.stringify(result.sample.diagnoses));
  });

  test('the context really lost between checkout and payment fails', async () => {
    const result = verify(
      await observe({ ENTRY_PATH: '/', HEALTH_PATH: '/health', PROPAGATION: 'off' }),
    );
    assert.ok(result.failedChecks.includes('no_new_roots'), JSON.stringify(result.failedChecks));
  });
});
