import type { Server } from 'node:net';
import { InputError } from '../errors';

/**
 * Turns a failure to listen into a message that names the setting to change, in the caller's
 * words. A busy port is the usual case on a shared CI runner, and the one a user can fix.
 */
export function listenError(
  error: unknown,
  labels: { portLabel: string; hostLabel: string },
  host: string,
  port: number,
): Error {
  const setting = upperFirst(labels.portLabel);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'EADDRINUSE' || text.includes('EADDRINUSE')) {
    return new InputError(
      `${setting}: port ${port} on ${host} is already in use; choose another port, or 0 for a free one.`,
    );
  }
  if (code === 'EACCES' || text.includes('EACCES')) {
    return new InputError(
      `${setting}: port ${port} on ${host} needs privileges this process lacks; choose a port above 1023, or 0 for a free one.`,
    );
  }
  if (['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].some((c) => code === c || text.includes(c))) {
    return new InputError(
      `${upperFirst(labels.hostLabel)}: this machine has no address ${JSON.stringify(host.length > 60 ? `${host.slice(0, 60)}…` : host)} to listen on; use 127.0.0.1, or 0.0.0.0 for every interface.`,
    );
  }
  return new InputError(`${setting}: cannot listen on ${host}:${port}: ${text}`);
}

/**
 * Binds `server` (HTTP/1.1 or HTTP/2) to host:port; a failure is the one clear `listenError` line.
 * Only the bind's own error is awaited: the caller decides what later errors mean.
 */
export async function listenOn(
  server: Server,
  labels: { portLabel: string; hostLabel: string },
  host: string,
  port: number,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    throw listenError(error, labels, host, port);
  });
}

/** `input 'x'` -> `Input 'x'`, to start a sentence. */
export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
