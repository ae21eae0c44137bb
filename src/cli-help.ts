import {
  CLIENT_NAMES,
  DEFAULTS,
  EXPECT_NAMES,
  FAULT_NAMES,
  INCOMING_CONTEXT_NAMES,
  LIMITS,
  PROPAGATOR_NAMES,
  type InputName,
} from './config';

/**
 * What each flag accepts, from the declarations the parser itself uses (choice lists and LIMITS
 * in src/config/inputs.ts), so the help cannot drift from what is accepted. Inputs that are free
 * text get a word on their form; one this table does not know is shown as text.
 */
const CHOICES: Partial<Record<InputName, readonly string[]>> = {
  client: CLIENT_NAMES,
  fault: FAULT_NAMES,
  'incoming-context': INCOMING_CONTEXT_NAMES,
  expect: EXPECT_NAMES,
  summary: ['true', 'false'],
};
const RANGES: Partial<Record<InputName, { min: number; max: number }>> = {
  hops: LIMITS.hops,
  requests: LIMITS.requests,
  concurrency: LIMITS.concurrency,
  timeout: LIMITS.timeout,
  settle: LIMITS.settle,
  'port-a': LIMITS.port,
  'port-b': LIMITS.port,
  'receiver-http-port': LIMITS.port,
  'receiver-grpc-port': LIMITS.port,
};
const FORMS: Partial<Record<InputName, string>> = {
  propagators: `comma-separated list of ${PROPAGATOR_NAMES.join(', ')}; or none`,
  'fault-hop': `1 to hops - 1`,
  tracestate: 'a W3C tracestate value',
  'target-url': 'an http:// or https:// URL (turns on target mode)',
  'target-method': 'an HTTP method',
  'target-headers': '"Name: value" lines',
  'target-body': 'text',
  'expect-services': 'service names, comma- or line-separated',
  'wait-for': 'an http:// or https:// URL',
  'receiver-host': 'a host name or IP address',
  'junit-file': 'a file path (empty: none)',
  'traces-file': 'a file path (empty: none)',
};

/** One line per input flag: `--name <allowed>  (default: x)`. */
export function flagLines(): string[] {
  const names = Object.keys(DEFAULTS) as InputName[];
  const width = Math.max(...names.map((name) => name.length)) + 2;
  return names.map((name) => {
    const choices = CHOICES[name];
    const range = RANGES[name];
    const allowed = choices
      ? choices.join(' | ')
      : range
        ? `${range.min} to ${range.max}`
        : (FORMS[name] ?? 'text');
    const fallback = DEFAULTS[name];
    return `  --${name.padEnd(width)}${allowed}${fallback === '' ? '' : `  (default: ${fallback})`}`;
  });
}
