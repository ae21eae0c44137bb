// A self-test service answers with JSON, as Koa sends an object body (same bytes, same
// Content-Type), without ever reading the global `Response`: an object body makes Koa test it
// against that class, and the first read loads node's whole fetch implementation (undici) into
// a run that never uses it (BENCHMARKS.md, "Start-up, fourth round").
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../src/modes/self-test/clients';
import { HOP_FAILURE_STATUS } from '../../src/modes/self-test/hop-failure';
import { HOST, startService, type RunningService } from '../../src/modes/self-test/service';
import { freePorts } from '../target/harness';

/** Bound on every request here: the services answer at once. */
const TIMEOUT_MS = 20_000;

interface Answer {
  status: number;
  type: string | undefined;
  length: string | undefined;
  body: string;
}

function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: TIMEOUT_MS, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: response.headers['content-type'],
          length: response.headers['content-length'],
          body,
        }),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    request.on('error', reject);
  });
}

describe('a service answers with JSON and never reads the global Response', () => {
  const started: { close(): unknown }[] = [];
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  let reads = 0;

  before(() => {
    // Counts reads of the global while leaving its value as it was.
    Object.defineProperty(globalThis, 'Response', {
      configurable: true,
      enumerable: descriptor?.enumerable ?? false,
      get() {
        reads += 1;
        return descriptor?.get ? descriptor.get.call(globalThis) : descriptor?.value;
      },
    });
  });
  after(async () => {
    if (descriptor) Object.defineProperty(globalThis, 'Response', descriptor);
    for (const item of started.reverse()) await item.close();
  });

  async function service(
    name: string,
    next: { url: string; port: number } | undefined,
  ): Promise<RunningService> {
    const client = next && createClient('got', TIMEOUT_MS);
    if (client) started.push(client);
    const running = await startService({
      name,
      route: '/work',
      port: 0,
      portInput: 'port-a',
      next: next && { ...next, name: 'service-b', hop: 1 },
      client,
      setsBaggage: false,
      leaksContext: false,
    });
    started.push(running);
    return running;
  }

  test('an answer: JSON with its length, the content type Koa gives an object', async () => {
    const callee = await service('service-b', undefined);
    const caller = await service('service-a', { url: callee.url, port: callee.port });
    const answer = await get(caller.url);
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.type, 'application/json; charset=utf-8');
    assert.equal(answer.length, String(Buffer.byteLength(answer.body)));
    const body = JSON.parse(answer.body) as { service: string; downstream: { service: string } };
    assert.equal(body.service, 'service-a');
    assert.equal(body.downstream.service, 'service-b');
    assert.equal(reads, 0, 'the global Response was read');
  });

  test('a hop failure: JSON too, with the failure status', async () => {
    // A claimed port below the ephemeral range: no other test process binds it meanwhile.
    const [port] = await freePorts(1);
    const caller = await service('service-a', { url: `http://${HOST}:${port}/work`, port });
    const answer = await get(caller.url);
    assert.equal(answer.status, HOP_FAILURE_STATUS, answer.body);
    assert.equal(answer.type, 'application/json; charset=utf-8');
    const body = JSON.parse(answer.body) as { hop_failure: { code: string; hop: number } };
    assert.equal(body.hop_failure.code, 'ECONNREFUSED');
    assert.equal(body.hop_failure.hop, 1);
    assert.equal(reads, 0, 'the global Response was read');
  });
});
