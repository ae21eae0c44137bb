/**
 * Stands in for `@actions/http-client` in the bundle (tsconfig `paths`). `@actions/core` imports
 * it for OIDC tokens only, which this action never asks for, and the real module with undici is
 * half a megabyte the runner would compile at every start (BENCHMARKS.md, toolkit start-up). Here
 * it is a separate chunk of the bundle, loaded by the first request a client makes.
 */
import { LazyBearerCredentialHandler } from './http-client-auth';

import type * as Real from '../../../node_modules/@actions/http-client/lib/index.js';

type RealModule = typeof Real;
type RealClient = InstanceType<RealModule['HttpClient']>;
type ClientArgs = ConstructorParameters<RealModule['HttpClient']>;

async function realClient([userAgent, handlers, options]: ClientArgs): Promise<RealClient> {
  // Relative paths, not the package names: the names resolve to these stand-ins.
  const [http, auth] = await Promise.all([
    import('../../../node_modules/@actions/http-client/lib/index.js'),
    import('../../../node_modules/@actions/http-client/lib/auth.js'),
  ]);
  const realHandlers = handlers?.map((handler) =>
    handler instanceof LazyBearerCredentialHandler
      ? new auth.BearerCredentialHandler(handler.token)
      : handler,
  );
  return new http.HttpClient(userAgent, realHandlers, options);
}

/**
 * `new HttpClient(...)`: an object whose every method (all are async) first loads the real
 * client, then calls it. A constructor that returns an object yields that object.
 */
export function HttpClient(...args: ClientArgs): RealClient {
  let client: Promise<RealClient> | undefined;
  return new Proxy({} as RealClient, {
    get:
      (_, method: string) =>
      async (...callArgs: unknown[]): Promise<unknown> => {
        client ??= realClient(args);
        const real = (await client) as unknown as Record<string, (...a: unknown[]) => unknown>;
        return real[method]!(...callArgs);
      },
  });
}
