import type { ClientName, Config, Fault } from '../../config';
import { createClient, type HopClient } from './clients';
import { PROPAGATION_HEADERS } from './report-body';
import { HOST, startService, type RunningService, type ServiceOptions } from './service';
import { startStrippingProxy, type RunningProxy } from './stripping-proxy';

/** A service to start: its name, route and requested port. */
export interface ServiceSpec {
  name: string;
  route: string;
  port: number;
  portInput: string;
}

export interface ChainOptions {
  specs: readonly ServiceSpec[];
  client: ClientName;
  fault: Fault | undefined;
  timeoutMs: number;
}

export interface RunningChain {
  services: RunningService[];
  /** The entry service's URL: the probe's target. */
  entryUrl: string;
  close(): Promise<void>;
}

/**
 * The chain a config asks for: service-a answers `/call-b`, the others `/work`; ports a and b
 * come from the inputs, the rest are free ports.
 */
export function chainSpecs(config: Pick<Config, 'services' | 'ports'>): ServiceSpec[] {
  return Array.from({ length: config.services }, (_, index) => {
    const name = serviceName(index);
    if (index === 0) return { name, route: '/call-b', port: config.ports.a, portInput: 'port-a' };
    if (index === 1) return { name, route: '/work', port: config.ports.b, portInput: 'port-b' };
    return { name, route: '/work', port: 0, portInput: 'hops' };
  });
}

/** service-a, service-b, ... service-p. */
export function serviceName(index: number): string {
  return `service-${String.fromCharCode('a'.charCodeAt(0) + index)}`;
}

/**
 * Starts the services so that each calls the next: the last first, so every caller knows the URL
 * it calls. A fault, when asked for, is built into its hop here: a header-stripping proxy in
 * front of the callee, or an uninstrumented client (global fetch) in the caller. On any failure,
 * whatever already started is closed before the error leaves.
 */
export async function startChain(options: ChainOptions): Promise<RunningChain> {
  const { specs, fault } = options;
  const running: RunningService[] = [];
  const proxies: RunningProxy[] = [];
  const clients: HopClient[] = [];
  const close = async (): Promise<void> => {
    await Promise.all([...running, ...proxies].map((item) => item.close()));
    for (const client of clients) client.close();
  };
  try {
    let next: ServiceOptions['next'];
    for (let index = specs.length - 1; index >= 0; index -= 1) {
      const spec = specs[index]!;
      const faultHere = fault !== undefined && fault.hop === index + 1 ? fault.kind : undefined;
      if (next !== undefined && faultHere === 'strip-header') {
        const proxy = await startStrippingProxy(
          { host: HOST, port: next.port },
          PROPAGATION_HEADERS,
        );
        proxies.push(proxy);
        next = {
          ...next,
          url: next.url.replace(`:${next.port}/`, `:${proxy.port}/`),
          port: proxy.port,
          via: `a header-stripping proxy in front of port ${next.port}`,
        };
      }
      const client =
        next === undefined
          ? undefined
          : createClient(
              faultHere === 'uninstrumented-client' ? 'fetch' : options.client,
              options.timeoutMs,
            );
      if (client) clients.push(client);
      const service = await startService({
        ...spec,
        next,
        client,
        setsBaggage: index === 0,
        leaksContext: faultHere === 'leaked-context',
      });
      running.unshift(service);
      next = { url: service.url, port: service.port, name: service.name, hop: index };
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { services: running, entryUrl: running[0]!.url, close };
}
