/**
 * The floor of the time-to-verdict benchmark: the HTTP work of the action's default run, with no
 * tracing at all. It parses the same inputs (`parseConfig`), starts the same number of Koa services
 * on 127.0.0.1, each calling the next with a keep-alive `got` client as the action's services do,
 * sends the probe(s) with `got`, closes everything and prints the answers. It imports nothing of
 * OpenTelemetry (the action's services and probe do, for context handling), so everything the action
 * spends on tracing counts against it. bench/time-to-verdict.ts bundles it with ncc into a
 * temporary folder, as dist/ is built, checks the bundle holds no OpenTelemetry code, and runs it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import got from 'got';
import Koa from 'koa';
import { parseConfig, type InputName } from '../src/config';

const HOST = '127.0.0.1';

/** Inputs as the action reads them (INPUT_* variables); empty ones take the defaults. */
function readInput(name: InputName): string {
  return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

interface Running {
  url: string;
  server: http.Server;
  agent: http.Agent;
}

/** One Koa service: answers with its name and headers, after calling `next` when it has one. */
async function startService(name: string, next: string | undefined): Promise<Running> {
  const agent = new http.Agent({ keepAlive: true });
  const client = got.extend({ agent: { http: agent }, retry: { limit: 0 } });
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx) => {
    const downstream = next === undefined ? undefined : await client.get(next).json();
    // A JSON string, as the action's services send (src/modes/self-test/service.ts): an object
    // body makes Koa read the global Response, which loads node's fetch implementation.
    ctx.type = 'json';
    ctx.body = JSON.stringify({ service: name, received_headers: ctx.request.headers, downstream });
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://${HOST}:${port}/work`, server, agent };
}

async function main(): Promise<void> {
  const config = parseConfig(readInput);
  const services: Running[] = [];
  let answers: unknown[] = [];
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency });
  try {
    // Last service first, so each knows the URL of the next.
    for (let index = config.services; index >= 1; index -= 1) {
      services.unshift(await startService(`service-${index}`, services[0]?.url));
    }
    const probe = got.extend({
      agent: { http: probeAgent },
      retry: { limit: 0 },
      timeout: { request: config.timeoutMs },
    });
    answers = await Promise.all(
      Array.from({ length: config.requests }, () => probe.get(services[0]!.url).json()),
    );
  } finally {
    probeAgent.destroy();
    for (const service of services) {
      service.agent.destroy();
      service.server.closeAllConnections();
      await new Promise((resolve) => service.server.close(resolve));
    }
  }
  // Like the action, print once everything is closed.
  process.stdout.write(
    `floor: ${answers.length} request(s) answered through ${services.length} services, no tracing\n`,
  );
  process.stdout.write(`${JSON.stringify(answers, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`floor: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
