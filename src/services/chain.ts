import http from 'node:http';
import got from 'got';
import { seedFields } from '../verify/seed-fields';
import { hopsFromAnswer, type ServiceAnswer } from './report-body';
import { startService, type RunningService } from './service';

/** A service to start: its name, route and requested port. */
export interface ServiceSpec {
  name: string;
  route: string;
  port: number;
  portInput: string;
}

export interface RunningChain {
  services: RunningService[];
  /** The entry service's URL: the probe's target. */
  entryUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the services so that each calls the next: the last first, so every caller knows the
 * URL it calls. `onListening` learns each port as soon as it is bound. On any failure, whatever
 * already started is closed before the error leaves.
 */
export async function startChain(
  specs: readonly ServiceSpec[],
  timeoutMs: number,
  onListening: (port: number, service: string) => void,
): Promise<RunningChain> {
  const running: RunningService[] = [];
  const agents: http.Agent[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(running.map((service) => service.close()));
    for (const agent of agents) agent.destroy();
  };
  try {
    let next: RunningService | undefined;
    for (let index = specs.length - 1; index >= 0; index -= 1) {
      const spec = specs[index]!;
      // One keep-alive agent and one got instance per service, made before any request: the
      // context of each request must still reach the header, whatever the client was built in.
      const agent = new http.Agent({ keepAlive: true });
      agents.push(agent);
      const client = got.extend({
        agent: { http: agent },
        retry: { limit: 0 },
        timeout: { request: timeoutMs },
      });
      const service = await startService({
        ...spec,
        next: next && { url: next.url, port: next.port },
        client,
        decorate: index === 0 ? entryFields : undefined,
      });
      running.unshift(service);
      onListening(service.port, service.name);
      next = service;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { services: running, entryUrl: running[0]!.url, close };
}

/** The entry service answers the first hop's result under the seed's field names. */
function entryFields(answer: ServiceAnswer): object {
  const first = hopsFromAnswer(answer)[0];
  return first ? seedFields(first) : {};
}
