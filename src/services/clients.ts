import http from 'node:http';
import got from 'got';
import type { ClientName } from '../config';

/** How a service makes its outgoing call: one of the clients users really use. */
export interface HopClient {
  getJson(url: string): Promise<unknown>;
  close(): void;
}

/**
 * A client for one service, created once before any request, as applications do: the context of
 * each request must still reach the header, however long-lived the client or its agent.
 * `fetch` is Node's global fetch; it is traced only when the undici instrumentation is on.
 */
export function createClient(name: ClientName, timeoutMs: number): HopClient {
  switch (name) {
    case 'got':
      return gotClient(timeoutMs);
    case 'http':
      return httpClient(timeoutMs);
    case 'fetch':
      return fetchClient(timeoutMs);
  }
}

function gotClient(timeoutMs: number): HopClient {
  const agent = new http.Agent({ keepAlive: true });
  const client = got.extend({
    agent: { http: agent },
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
  });
  return {
    getJson: (url) => client.get(url).json(),
    close: () => agent.destroy(),
  };
}

function httpClient(timeoutMs: number): HopClient {
  const agent = new http.Agent({ keepAlive: true });
  return {
    getJson: (url) =>
      new Promise((resolve, reject) => {
        const request = http.get(url, { agent, timeout: timeoutMs }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) {
              reject(
                new Error(`GET ${url} answered HTTP ${response.statusCode}: ${body.slice(0, 300)}`),
              );
              return;
            }
            try {
              resolve(JSON.parse(body));
            } catch (error) {
              reject(error);
            }
          });
        });
        request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
        request.on('error', reject);
      }),
    close: () => agent.destroy(),
  };
}

function fetchClient(timeoutMs: number): HopClient {
  return {
    getJson: async (url) => {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) {
        throw new Error(
          `GET ${url} answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`,
        );
      }
      return response.json();
    },
    close: () => {},
  };
}
