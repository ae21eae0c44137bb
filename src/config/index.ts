import {
  CLIENT_NAMES,
  DEFAULTS,
  EXPECT_NAMES,
  LIMITS,
  type Config,
  type InputReader,
  type InputName,
} from './inputs';
import { parseFault, parseIncoming, parsePropagators } from './scenario';
import { parseTarget } from './target';
import { parseBoolean, parseChoice, parseFilePath, parseWholeNumber, quote } from './values';
import { InputError } from '../errors';

export * from './inputs';
export { checkedFormats, traceContextPropagators } from './scenario';
export { splitList } from './values';

/** Parses every input once. Throws InputError naming the input and what is allowed. */
export function parseConfig(read: InputReader): Config {
  const value = (name: InputName): string => {
    const raw = read(name).trim();
    return raw === '' ? DEFAULTS[name] : raw;
  };
  const ports = {
    a: parseWholeNumber('port-a', value('port-a'), LIMITS.port),
    b: parseWholeNumber('port-b', value('port-b'), LIMITS.port),
  };
  if (ports.a !== 0 && ports.a === ports.b) {
    throw new InputError(
      `Input 'port-b' must differ from 'port-a' (both are ${ports.a}); use 0 to pick a free port.`,
    );
  }
  const propagators = parsePropagators(value('propagators'));
  const services = parseWholeNumber('hops', value('hops'), LIMITS.hops);
  const client = parseChoice('client', value('client'), CLIENT_NAMES);
  const requests = parseWholeNumber('requests', value('requests'), LIMITS.requests);
  const target = parseTarget(value, read);
  const files = {
    junit: parseFilePath('junit-file', read('junit-file')),
    traces: parseFilePath('traces-file', read('traces-file')),
  };
  if (files.junit !== undefined && files.junit === files.traces) {
    throw new InputError(
      `Input 'traces-file' must name another file than 'junit-file' (both are ${quote(files.junit)}).`,
    );
  }
  return {
    target,
    propagators,
    services,
    client,
    requests,
    concurrency: Math.min(
      requests,
      parseWholeNumber('concurrency', value('concurrency'), LIMITS.concurrency),
    ),
    incoming: parseIncoming(value('incoming-context'), read('tracestate').trim(), propagators),
    fault: parseFault(value('fault'), value('fault-hop'), services, client, requests, propagators),
    expect: parseChoice('expect', value('expect'), EXPECT_NAMES),
    timeoutMs: parseWholeNumber('timeout', value('timeout'), LIMITS.timeout) * 1000,
    summary: parseBoolean('summary', value('summary')),
    ports,
    files,
  };
}
