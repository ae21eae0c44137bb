/**
 * Hostile values for every input of action.yml, shared by the parser's table (in-process), the
 * handful run through dist/, and the full sweep through dist/ in the heavy suite. Each names the input its error must name, the other inputs it needs
 * to be read at all, and, when src/ accepts it today, the bug (the test is then a todo).
 */
export const HUGE = 100_000;
export const CONTROL = '\u0007';

export interface Hostile {
  /** The input the value goes to, and that the error must name. */
  input: string;
  label: string;
  value: string;
  /** Other inputs the value needs to be read at all (fault-hop needs a fault, ...). */
  context?: (env: Env) => Record<string, string>;
  /** Other input names the error may name instead (a conflict between two inputs). */
  alsoNames?: string[];
  /** Set when src/ accepts the value today: the bug, reported, the test kept as a todo. */
  todo?: string;
  /**
   * Set when only the run can refuse the value (binding an address the machine lacks): the
   * parser cannot know, so the in-process table skips it and dist/ must refuse it.
   */
  refusedByRun?: true;
}

export interface Env {
  /** A port nothing listens on, for a target URL that is never reached. */
  refused: number;
  /** A port free for the receiver, for duplicate-port cases. */
  free: number;
}

/** Target-mode inputs are read only with a target URL; it points at a port nothing listens on. */
const targetMode =
  (extra: Record<string, string> = {}) =>
  (env: Env): Record<string, string> => ({
    'target-url': `http://127.0.0.1:${env.refused}/`,
    'receiver-http-port': '0',
    'receiver-grpc-port': '0',
    timeout: '1',
    ...extra,
  });

function numeric(
  input: string,
  range: { min: number; max: number },
  context?: Hostile['context'],
): Hostile[] {
  const values: [string, string][] = [
    ['negative', '-1'],
    ['non-numeric', 'abc'],
    ['fractional', '2.5'],
    ['an Arabic-Indic digit', '\u0663'],
    ['an emoji', '\u{1F525}'],
    ['two lines', '3\n4'],
    ['a control character', `3${CONTROL}`],
    ['100 kB of digits', '9'.repeat(HUGE)],
    ['above the range', String(range.max + 1)],
  ];
  if (range.min > 0) values.push(['below the range', String(range.min - 1)]);
  return values.map(([label, value]) => ({ input, label, value, context }));
}

/** A file path input: one path, no control characters, not a folder, not the other file's. */
function filePath(input: 'junit-file' | 'traces-file'): Hostile[] {
  const other = input === 'junit-file' ? 'traces-file' : 'junit-file';
  return [
    { input, label: 'two lines', value: 'a.out\nb.out' },
    { input, label: 'a control character', value: `a${CONTROL}.out` },
    { input, label: 'a folder', value: 'reports/' },
    { input, label: '100 kB', value: 'x'.repeat(HUGE) },
    {
      input,
      label: `the same file as ${other}`,
      value: 'same.out',
      context: () => ({ [other]: 'same.out' }),
      alsoNames: [other],
    },
  ];
}

function choice(input: string, allowed: string[]): Hostile[] {
  return (
    [
      ['an unknown value', 'bogus'],
      ['a list where one value is expected', `${allowed[0]},${allowed[1]}`],
      ['two lines', `${allowed[0]}\n${allowed[1]}`],
      ['an emoji', '\u{1F525}'],
      ['a control character', `${allowed[0]}${CONTROL}`],
      ['100 kB', 'x'.repeat(HUGE)],
    ] as const
  ).map(([label, value]) => ({ input, label, value }));
}

export const HOSTILE: Hostile[] = [
  // The built-in services.
  ...[
    ['an unknown item', 'tracecontext,zipkin'],
    ['a duplicate', 'tracecontext,baggage,tracecontext'],
    ['none with another', 'none,b3'],
    ['only separators', ', ,\n,'],
    ['full-width letters', '\uFF54racecontext'],
    ['an emoji', '\u{1F525}'],
    ['a control character', `tracecontext${CONTROL}`],
    ['100 kB', 'x'.repeat(HUGE)],
  ].map(([label, value]) => ({ input: 'propagators', label: label!, value: value! })),
  ...numeric('hops', { min: 2, max: 16 }),
  ...choice('client', ['got', 'http', 'fetch']),
  ...numeric('requests', { min: 1, max: 10_000 }),
  ...numeric('concurrency', { min: 1, max: 256 }),
  ...choice('incoming-context', ['sampled', 'unsampled']),
  ...[
    ['not key=value', 'vendor'],
    ['a duplicate key', 'a=1,a=2'],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['an emoji', 'a=\u{1F525}'],
    ['a control character', `a=1${CONTROL}2`],
    ['two lines', 'a=1\nb=2'],
    ['100 kB', `a=${'x'.repeat(HUGE)}`],
  ].map(([label, value]) => ({
    input: 'tracestate',
    label: label!,
    value: value!,
    context: () => ({ 'incoming-context': 'sampled' }),
  })),
  ...choice('fault', ['strip-header', 'ignore-context']),
  ...numeric('fault-hop', { min: 1, max: 1 }, () => ({ fault: 'strip-header' })),
  ...choice('expect', ['pass', 'fail']),
  ...numeric('timeout', { min: 1, max: 600 }),
  ...[
    ['hexadecimal', '0x10'],
    ['an exponent', '1e1'],
    ['a sign', '+10'],
    ['full-width digits', '\uFF11\uFF10'],
    ['a unit', '30s'],
    ['digits with a space', '1 0'],
  ].map(([label, value]) => ({ input: 'timeout', label: label!, value: value! })),
  ...choice('summary', ['true', 'false']),
  ...numeric('port-a', { min: 0, max: 65535 }),
  ...numeric('port-b', { min: 0, max: 65535 }),
  {
    input: 'port-b',
    label: "a duplicate of port-a's",
    value: '40123',
    context: () => ({ 'port-a': '40123' }),
  },

  // Target mode.
  ...(
    [
      ['not a URL', 'not a url'],
      ['another scheme', 'ftp://127.0.0.1/'],
      ['a javascript: URL', 'javascript:alert(1)'],
      ['an emoji', '\u{1F525}'],
      ['100 kB', 'x'.repeat(HUGE)],
      ['two URLs on two lines', 'http://127.0.0.1:1/a\nhttp://127.0.0.1:1/b'],
      ['a control character', `http://127.0.0.1:1/a${CONTROL}b`],
      ['credentials, which fetch refuses', 'http://user:secret@127.0.0.1:1/'],
    ] as const
  ).map(([label, value]) => ({
    input: 'target-url',
    label,
    value,
    context: () => ({ 'receiver-http-port': '0', 'receiver-grpc-port': '0', timeout: '1' }),
  })),
  ...(
    [
      ['a space inside', 'GE T'],
      ['two lines', 'GET\nPOST'],
      ['a control character', `GET${CONTROL}`],
      ['an emoji', '\u{1F525}'],
      ['100 kB', 'A'.repeat(HUGE)],
      ['CONNECT, which fetch refuses', 'CONNECT'],
      ['TRACE, which fetch refuses', 'TRACE'],
    ] as const
  ).map(([label, value]) => ({
    input: 'target-method',
    label,
    value,
    context: targetMode(),
  })),
  ...(
    [
      ['a line without a colon', 'X-Probe'],
      ['an empty name', ': value'],
      ['a name with a space', 'X Probe: 1'],
      ['an emoji name', '\u{1F525}: 1'],
      ['a duplicate, in another case', 'X-Probe: 1\nx-probe: 2'],
      ['a control character in a value', `X-Probe: a${CONTROL}b`],
      ['a 100 kB value', `X-Probe: ${'x'.repeat(HUGE)}`],
    ] as const
  ).map(([label, value]) => ({
    input: 'target-headers',
    label,
    value,
    context: targetMode(),
  })),
  {
    input: 'target-body',
    label: 'a body with the default GET method',
    value: '{"sku":"probe"}',
    context: targetMode(),
    alsoNames: ['target-method'],
  },
  ...(
    [
      ['a duplicate', 'checkout,payment,checkout'],
      ['a 100 kB name', 'x'.repeat(HUGE)],
      ['a control character', `checkout${CONTROL}`],
    ] as const
  ).map(([label, value]) => ({
    input: 'expect-services',
    label,
    value,
    context: targetMode(),
  })),
  ...numeric('settle', { min: 0, max: 60_000 }, targetMode()),
  ...numeric('max-clock-skew', { min: 0, max: 60_000 }, targetMode()),
  ...numeric('export-delay', { min: 0, max: 120_000 }, targetMode()),
  ...numeric('max-spans', { min: 1, max: 10_000_000 }, targetMode()),
  ...(
    [
      ['a path, not a host', 'api/pay'],
      ['port 0', 'payments.example:0'],
      ['port out of range', 'payments.example:70000'],
      ['another scheme', 'ftp://payments.example/'],
      ['a control character', `payments.example${CONTROL}`],
      ['100 kB', 'x'.repeat(HUGE)],
    ] as const
  ).map(([label, value]) => ({ input: 'external-calls', label, value, context: targetMode() })),
  ...(
    [
      ['not a URL', 'not a url'],
      ['another scheme', 'file:///etc/passwd'],
      ['100 kB', 'x'.repeat(HUGE)],
      ['two URLs on two lines', 'http://127.0.0.1:1/a\nhttp://127.0.0.1:1/b'],
      ['a control character', `http://127.0.0.1:1/a${CONTROL}b`],
    ] as const
  ).map(([label, value]) => ({ input: 'wait-for', label, value, context: targetMode() })),
  ...(
    [
      ['a space inside', '127.0.0.1 localhost'],
      ['two lines', '127.0.0.1\n::1'],
      ['a control character', `localhost${CONTROL}`],
      ['an emoji', '\u{1F525}'],
      ['100 kB', 'x'.repeat(HUGE)],
      ['100 kB of hex letters', 'a'.repeat(HUGE)],
    ] as const
  ).map(([label, value]) => ({
    input: 'receiver-host',
    label,
    value,
    context: targetMode(),
  })),
  {
    input: 'receiver-host',
    label: 'an address this machine does not have',
    value: '192.0.2.1',
    context: targetMode(),
    refusedByRun: true,
  },
  ...numeric('receiver-http-port', { min: 0, max: 65535 }, targetMode()),
  ...numeric('receiver-grpc-port', { min: 0, max: 65535 }, targetMode()),
  {
    input: 'receiver-grpc-port',
    label: "a duplicate of receiver-http-port's",
    value: '(the free port)',
    context: (env) => targetMode({ 'receiver-http-port': String(env.free) })(env),
  },
  // Issue 9: services the action starts. Nothing may start when one line is bad.
  ...(
    [
      ['no name', 'node server.js'],
      ['no command', 'a:'],
      ['a name twice', 'a: sleep 30\na: sleep 30'],
      ['a name with a space', 'my service: sleep 30'],
      ['a 100 kB name', `${'x'.repeat(HUGE)}: sleep 30`],
      ['a control character', `a: sleep 30${CONTROL}`],
    ] as const
  ).map(([label, value]) => ({ input: 'services', label, value, context: targetMode() })),
  ...(['setup', 'teardown'] as const).map((input) => ({
    input,
    label: 'a control character',
    value: `true${CONTROL}`,
    context: targetMode(),
  })),
  ...(
    [
      ['a missing folder', '/no/such/folder'],
      ['a file', '/etc/hostname'],
      ['a control character', `.${CONTROL}`],
    ] as const
  ).map(([label, value]) => ({
    input: 'working-directory',
    label,
    value,
    context: targetMode({ services: 'a: sleep 30' }),
  })),
  {
    input: 'working-directory',
    label: 'with nothing to run in it',
    value: '.',
    context: targetMode(),
  },
  ...filePath('junit-file'),
  ...filePath('traces-file'),
];

/** The value actually sent: a few cases need a port known only at run time. */
export function valueOf(hostile: Hostile, env: Env): string {
  return hostile.value === '(the free port)' ? String(env.free) : hostile.value;
}

/** Target-only inputs are validated without target-url too: a typo must not pass silently. */
export const WITHOUT_TARGET_URL: readonly (readonly [input: string, value: string])[] = [
  ['settle', 'abc'],
  ['external-calls', 'payments.example'],
  ['target-method', 'GE T'],
  ['receiver-host', '\u{1F525}'],
  ['receiver-http-port', '-1'],
];
