import { AsyncLocalStorage } from 'node:async_hooks';
import type http from 'node:http';

/**
 * Which embedded service the current work belongs to. Every service runs in this one process,
 * so the resource cannot tell their spans apart; the scope set around each server's request
 * handling follows the async work of that request, spans and outgoing calls included.
 */
const scope = new AsyncLocalStorage<string>();

export function currentService(): string | undefined {
  return scope.getStore();
}

/**
 * Runs every event of `server` (its requests first of all) inside the service's scope. The
 * prototype's emit is looked up at each call, so the http instrumentation's patch of it is used.
 */
export function scopeServer(server: http.Server, service: string): void {
  const prototype = Object.getPrototypeOf(server) as http.Server;
  server.emit = function emitInScope(this: http.Server, ...args: Parameters<http.Server['emit']>) {
    return scope.run(service, () => prototype.emit.apply(this, args));
  } as http.Server['emit'];
}
