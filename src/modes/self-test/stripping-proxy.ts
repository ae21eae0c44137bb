import net from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

const HEAD_END = Buffer.from('\r\n\r\n');
/** Past this, a request head is not HTTP we forward: the connection is passed through as is. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface RunningProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy that drops some request headers, as a gateway or service mesh hop that does not
 * forward trace context would. It works on raw sockets, below anything the http instrumentation
 * sees, so it adds no span and no header of its own: the break it causes is the real thing.
 */
export async function startStrippingProxy(
  target: { host: string; port: number },
  headersToDrop: readonly string[],
): Promise<RunningProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(new HeaderDropper(new Set(headersToDrop))).pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, target.host, resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Rewrites each HTTP/1.1 request head on a keep-alive connection, leaving bodies (by
 * Content-Length) untouched. A chunked or oversized request switches to plain pass-through.
 */
class HeaderDropper extends Transform {
  private pending = Buffer.alloc(0);
  private bodyLeft = 0;
  private passThrough = false;

  constructor(private readonly dropped: ReadonlySet<string>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.passThrough) {
        this.push(data);
        break;
      }
      if (this.bodyLeft > 0) {
        const body = data.subarray(0, this.bodyLeft);
        this.push(body);
        this.bodyLeft -= body.length;
        data = data.subarray(body.length);
        continue;
      }
      this.pending = Buffer.concat([this.pending, data]);
      data = Buffer.alloc(0);
      const end = this.pending.indexOf(HEAD_END);
      if (end === -1) {
        if (this.pending.length > MAX_HEAD_BYTES) this.startPassThrough();
        break;
      }
      const head = this.pending.subarray(0, end).toString('latin1');
      data = this.pending.subarray(end + HEAD_END.length);
      this.pending = Buffer.alloc(0);
      this.push(Buffer.from(`${this.rewrite(head)}\r\n\r\n`, 'latin1'));
    }
    done();
  }

  private rewrite(head: string): string {
    const [requestLine = '', ...fields] = head.split('\r\n');
    const kept = fields.filter((field) => !this.dropped.has(fieldName(field)));
    if (kept.some((field) => fieldName(field) === 'transfer-encoding')) this.passThrough = true;
    const length = kept.find((field) => fieldName(field) === 'content-length');
    this.bodyLeft = length ? Number(length.slice(length.indexOf(':') + 1).trim()) || 0 : 0;
    return [requestLine, ...kept].join('\r\n');
  }

  private startPassThrough(): void {
    this.passThrough = true;
    this.push(this.pending);
    this.pending = Buffer.alloc(0);
  }
}

function fieldName(field: string): string {
  return field
    .slice(0, Math.max(0, field.indexOf(':')))
    .trim()
    .toLowerCase();
}
