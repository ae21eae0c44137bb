import { randomBytes } from 'node:crypto';
import type { TraceFormatName } from '../../verify/formats/context-headers';
import type { ProbeContext } from '../../verify/types';

/** A fresh upstream context for one probe request: random non-zero ids. */
export function newProbeContext(sampled: boolean, tracestate: string | undefined): ProbeContext {
  return { traceId: randomHex(16), spanId: randomHex(8), sampled, tracestate };
}

/**
 * The headers an upstream caller using `formats` would send, written by us from the format
 * specifications rather than by the propagators under test.
 */
export function probeHeaders(
  probe: ProbeContext,
  formats: readonly TraceFormatName[],
): Record<string, string> {
  const { traceId, spanId, sampled } = probe;
  const headers: Record<string, string> = {};
  for (const format of formats) {
    switch (format) {
      case 'tracecontext':
        headers['traceparent'] = `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
        if (probe.tracestate !== undefined) headers['tracestate'] = probe.tracestate;
        break;
      case 'b3':
        headers['b3'] = `${traceId}-${spanId}-${sampled ? '1' : '0'}`;
        break;
      case 'b3multi':
        headers['x-b3-traceid'] = traceId;
        headers['x-b3-spanid'] = spanId;
        headers['x-b3-sampled'] = sampled ? '1' : '0';
        break;
      case 'jaeger':
        headers['uber-trace-id'] = `${traceId}:${spanId}:0:${sampled ? '01' : '00'}`;
        break;
    }
  }
  return headers;
}

function randomHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(hex)) return hex;
  }
}
