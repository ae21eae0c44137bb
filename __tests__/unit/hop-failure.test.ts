import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { chainSpecs, startChain } from '../../src/modes/self-test/chain';
import { createClient } from '../../src/modes/self-test/clients';
import { hopFailureFrom } from '../../src/modes/self-test/hop-failure';
import { sendProbes } from '../../src/modes/self-test/probe';
import { HOST, startService } from '../../src/modes/self-test/service';

/** Bound on every probe here: the services answer at once or fail at once. */
const PROBE_TIMEOUT_MS = 20_000;

function probeOnce(url: string): Promise<unknown> {
  return sendProbes({
    url,
    requests: 1,
    concurrency: 1,
    timeoutMs: PROBE_TIMEOUT_MS,
    incoming: undefined,
  });
}

describe('an inner hop that fails is named: hop, request and error code', () => {
  for (const client of ['got', 'http', 'fetch'] as const) {
    test(`${client}: a callee that is gone gives ECONNREFUSED at its hop, not a bare 500`, async () => {
      const chain = await startChain({
        specs: chainSpecs({ services: 4, ports: { a: 0, b: 0 } }),
        client,
        fault: undefined,
        timeoutMs: PROBE_TIMEOUT_MS,
      });
      try {
        const gone = chain.services[2]!;
        await gone.close();
        await assert.rejects(probeOnce(chain.entryUrl), (error: Error) => {
          const expected = `Probe request 1: hop 2 service-b -> service-c (GET http://${HOST}:${gone.port}/work) failed with ECONNREFUSED`;
          assert.ok(error.message.startsWith(expected), error.message);
          assert.doesNotMatch(error.message, /HTTP 500/);
          return true;
        });
      } finally {
        await chain.close();
      }
    });
  }

  test('a connection reset by the callee gives ECONNRESET at that hop', async () => {
    const resets = net.createServer((socket) => socket.on('data', () => socket.resetAndDestroy()));
    await new Promise<void>((resolve) => resets.listen(0, HOST, resolve));
    const port = (resets.address() as net.AddressInfo).port;
    const client = createClient('got', PROBE_TIMEOUT_MS);
    const service = await startService({
      name: 'service-a',
      route: '/call-b',
      port: 0,
      portInput: 'port-a',
      next: { url: `http://${HOST}:${port}/work`, port, name: 'service-b', hop: 1 },
      client,
      setsBaggage: false,
      leaksContext: false,
    });
    try {
      await assert.rejects(probeOnce(service.url), (error: Error) => {
        assert.match(
          error.message,
          /^Probe request 1: hop 1 service-a -> service-b \(GET http:\/\/127\.0\.0\.1:\d+\/work\) failed with ECONNRESET/,
        );
        return true;
      });
    } finally {
      await service.close();
      client.close();
      await new Promise((resolve) => resets.close(resolve));
    }
  });
});

describe('hop failure bodies are untrusted text', () => {
  test('only a well-formed failure is read, flattened to one bounded line', () => {
    assert.equal(hopFailureFrom('<html>500</html>'), undefined);
    assert.equal(hopFailureFrom('{"hop_failure":{"hop":"2"}}'), undefined);
    const failure = hopFailureFrom(
      JSON.stringify({
        hop_failure: {
          hop: 3,
          caller: 'a\nb',
          callee: 'c',
          request: 'GET x',
          message: 'm'.repeat(900),
        },
      }),
    );
    assert.equal(failure?.caller, 'a b');
    assert.equal(failure?.code, 'ERROR');
    assert.ok((failure?.message.length ?? 0) <= 301);
  });
});

describe('keep-alive: a service never closes an idle connection under its callers', () => {
  const started: { close(): Promise<void> }[] = [];
  after(() => Promise.all(started.map((item) => item.close())));

  test('an idle keep-alive connection still serves a request after Node default 5 s timeout', async () => {
    const service = await startService({
      name: 'service-b',
      route: '/work',
      port: 0,
      portInput: 'port-b',
      next: undefined,
      client: undefined,
      setsBaggage: false,
      leaksContext: false,
    });
    started.push(service);
    const socket = net.connect(service.port, HOST);
    started.push({ close: async () => void socket.destroy() });
    let received = '';
    let ended = false;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('close', () => (ended = true));
    const request = `GET /work HTTP/1.1\r\nHost: ${HOST}\r\nConnection: keep-alive\r\n\r\n`;
    const answers = async (count: number): Promise<void> => {
      for (let waited = 0; (received.match(/HTTP\/1\.1 200/g) ?? []).length < count; waited += 50) {
        assert.ok(waited < PROBE_TIMEOUT_MS, `no answer ${count}: ${received}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    socket.write(request);
    await answers(1);
    // The server announces no idle timeout, so callers' pools keep the socket without a race.
    assert.doesNotMatch(received, /keep-alive: timeout=/i);
    // Past Node's default keep-alive timeout (5 s, plus its 1 s buffer), the socket is still open.
    await new Promise((resolve) => setTimeout(resolve, 6500));
    assert.equal(ended, false, 'the server closed an idle keep-alive connection');
    socket.write(request);
    await answers(2);
  });
});
