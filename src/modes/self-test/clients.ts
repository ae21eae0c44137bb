import http from 'node:http';
import got, { HTTPError } from 'got';
import type { ClientName } from '../../config';
import { DownstreamError, errorCode, errorText, hopFailureFrom } from './hop-failure';

/** How a service makes its outgoing call: one of the clients users really use. */
export interface HopClient {
  /** The parsed answer; rejects with a DownstreamError naming the cause. */
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

/** An error answer: its status as the code, and the failure it reports from further down. */
function statusError(status: number, body: string): DownstreamError {
  return new DownstreamError(`HTTP ${status}`, `answered HTTP ${status}`, hopFailureFrom(body));
}

/** A failed call (reset, refused, timed out): its code and message. */
function callError(error: unknown): DownstreamError {
  return error instanceof DownstreamError
    ? error
    : new DownstreamError(errorCode(error), errorText(error), undefined);
}

/**
 * Connections each service keeps to the next one at most; further calls wait for one. Every
 * service runs in this one process, and each connection costs it twice (both ends): at
 * concurrency 256 through 16 services, unbounded pools held over 8,000 sockets. The entry still
 * takes every probe at once, so requests still interleave in every service.
 */
export const MAX_SOCKETS_PER_HOP = 64;

function hopAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOP });
}

function gotClient(timeoutMs: number): HopClient {
  const agent = hopAgent();
  const client = got.extend({
    agent: { http: agent },
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
  });
  return {
    getJson: async (url) => {
      try {
        return await client.get(url).json();
      } catch (error) {
        if (error instanceof HTTPError) {
          throw statusError(error.response.statusCode, String(error.response.body));
        }
        throw callError(error);
      }
    },
    close: () => agent.destroy(),
  };
}

function httpClient(timeoutMs: number): HopClient {
  const agent = hopAgent();
  return {
    getJson: (url) =>
      new Promise((resolve, reject) => {
        const fail = (error: unknown): void => reject(callError(error));
        const request = http.get(url, { agent, timeout: timeoutMs }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) {
              reject(statusError(response.statusCode ?? 0, body));
              return;
            }
            try {
              resolve(JSON.parse(body));
            } catch (error) {
              fail(error);
            }
          });
        });
        request.on('timeout', () =>
          request.destroy(Object.assign(new Error(`timed out`), { code: 'ETIMEDOUT' })),
        );
        request.on('error', fail);
      }),
    close: () => agent.destroy(),
  };
}

function fetchClient(timeoutMs: number): HopClient {
  return {
    getJson: async (url) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) throw statusError(response.status, await response.text());
        return await response.json();
      } catch (error) {
        throw callError(error);
      }
    },
    close: () => {},
  };
}
