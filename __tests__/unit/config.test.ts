import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULTS, splitList } from '../../src/config';
import { parse, rejects } from '../helpers/config-inputs';

describe('parseConfig', () => {
  test('unset inputs take the defaults (as outside the runner, where action.yml is not read)', () => {
    assert.deepEqual(parse({}), {
      target: undefined,
      propagators: ['tracecontext', 'baggage'],
      services: 2,
      client: 'got',
      requests: 1,
      concurrency: 1,
      incoming: undefined,
      fault: undefined,
      expect: 'pass',
      timeoutMs: 30_000,
      summary: true,
      ports: { a: 0, b: 0 },
      files: { junit: undefined, traces: undefined },
    });
  });

  describe('junit-file and traces-file', () => {
    test('a path each; empty or blank is none', () => {
      assert.deepEqual(parse({ 'junit-file': 'reports/junit.xml', 'traces-file': ' ' }).files, {
        junit: 'reports/junit.xml',
        traces: undefined,
      });
    });
    test('one file cannot be both', () => {
      rejects(
        { 'junit-file': 'x.out', 'traces-file': 'x.out' },
        /^Input 'traces-file' must name another file than 'junit-file' \(both are "x\.out"\)\.$/,
      );
    });
    test('control characters and folder paths are refused, naming the input', () => {
      rejects({ 'traces-file': 'a\nb.json' }, /^Input 'traces-file' must be one file path/);
      rejects({ 'junit-file': 'reports/' }, /^Input 'junit-file' must be one file path/);
    });
  });

  test('the defaults, given explicitly, parse to the same config', () => {
    assert.deepEqual(parse({ ...DEFAULTS }), parse({}));
  });

  describe('propagators', () => {
    test('comma and newline lists, trimmed, case-folded, empties dropped', () => {
      assert.deepEqual(parse({ propagators: ' baggage ,\n\nTraceContext,' }).propagators, [
        'baggage',
        'tracecontext',
      ]);
    });
    test('none means no propagator at all', () => {
      assert.deepEqual(parse({ propagators: 'none' }).propagators, []);
    });
    test('whitespace alone means unset', () => {
      assert.deepEqual(parse({ propagators: ' \n ' }).propagators, ['tracecontext', 'baggage']);
    });
    test('unknown item', () =>
      rejects(
        { propagators: 'tracecontext,xray' },
        /^Input 'propagators' has unknown item "xray"; allowed: tracecontext, baggage, b3, b3multi, jaeger, none\.$/,
      ));
    test('duplicates', () =>
      rejects({ propagators: 'baggage,Baggage' }, /^Input 'propagators' lists "baggage" twice\.$/));
    test('none with others', () =>
      rejects({ propagators: 'none,tracecontext' }, /cannot combine 'none'/));
    test('only separators', () => rejects({ propagators: ',,' }, /^Input 'propagators' is empty/));
    test('a huge unknown item is cut short in the message', () => {
      assert.throws(
        () => parse({ propagators: 'x'.repeat(10_000) }),
        (error: Error) => error.message.length < 200,
      );
    });
  });

  describe('timeout', () => {
    test('whole seconds within 1..600', () => {
      assert.equal(parse({ timeout: '1' }).timeoutMs, 1000);
      assert.equal(parse({ timeout: '600' }).timeoutMs, 600_000);
    });
    for (const bad of [
      '0',
      '601',
      '-5',
      '1.5',
      'abc',
      '1e3',
      '30s',
      '٣٠',
      '99999999999999999999',
    ]) {
      test(`rejects ${JSON.stringify(bad)}`, () =>
        rejects({ timeout: bad }, /^Input 'timeout' must be a whole number from 1 to 600, got /));
    }
  });

  describe('summary', () => {
    for (const [raw, value] of [
      ['true', true],
      ['True', true],
      ['TRUE', true],
      ['false', false],
      ['False', false],
      ['FALSE', false],
    ] as const) {
      test(`${raw} -> ${value}`, () => assert.equal(parse({ summary: raw }).summary, value));
    }
    for (const bad of ['yes', '1', 'tru', 'fAlse']) {
      test(`rejects ${bad}`, () =>
        rejects({ summary: bad }, /^Input 'summary' must be true or false/));
    }
  });

  describe('ports', () => {
    test('explicit ports', () => {
      assert.deepEqual(parse({ 'port-a': '8080', 'port-b': '8081' }).ports, { a: 8080, b: 8081 });
    });
    test('both 0 is fine: two free ports', () => {
      assert.deepEqual(parse({ 'port-a': '0', 'port-b': '0' }).ports, { a: 0, b: 0 });
    });
    for (const bad of ['-1', '65536', 'http', '80.5']) {
      test(`rejects port-a=${bad}`, () =>
        rejects({ 'port-a': bad }, /^Input 'port-a' must be a whole number from 0 to 65535/));
    }
    test('the same non-zero port twice', () =>
      rejects({ 'port-a': '9000', 'port-b': '9000' }, /^Input 'port-b' must differ from 'port-a'/));
  });
});

describe('scenario inputs', () => {
  test('every propagator of the OTEL_PROPAGATORS vocabulary', () => {
    assert.deepEqual(parse({ propagators: 'b3multi,baggage,jaeger,b3' }).propagators, [
      'b3multi',
      'baggage',
      'jaeger',
      'b3',
    ]);
  });
  test('hops 2..16', () => {
    assert.equal(parse({ hops: '16' }).services, 16);
    rejects({ hops: '1' }, /^Input 'hops' must be a whole number from 2 to 16, got "1"\.$/);
    rejects({ hops: '17' }, /^Input 'hops' must be a whole number from 2 to 16/);
  });
  test('client', () => {
    assert.equal(parse({ client: 'FETCH' }).client, 'fetch');
    rejects({ client: 'axios' }, /^Input 'client' must be one of got, http, fetch, got "axios"\.$/);
  });
  test('requests and concurrency; concurrency never above requests', () => {
    const config = parse({ requests: '5', concurrency: '20' });
    assert.deepEqual([config.requests, config.concurrency], [5, 5]);
    rejects({ requests: '0' }, /^Input 'requests' must be a whole number from 1 to 10000/);
    rejects({ concurrency: '257' }, /^Input 'concurrency' must be a whole number from 1 to 256/);
  });
  test('fault and fault-hop', () => {
    assert.deepEqual(parse({ hops: '5', fault: 'strip-header', 'fault-hop': '3' }).fault, {
      kind: 'strip-header',
      hop: 3,
    });
    rejects(
      { fault: 'strip-header', 'fault-hop': '2' },
      /^Input 'fault-hop' must be a whole number from 1 to 1/,
    );
    rejects(
      { fault: 'chaos' },
      /^Input 'fault' must be one of none, strip-header, uninstrumented-client, propagator-mismatch, ignore-context, leaked-context/,
    );
    rejects(
      { fault: 'uninstrumented-client', client: 'fetch' },
      /cannot be combined with 'client: fetch'/,
    );
  });
  test('fault-hop is validated even when no fault is set', () => {
    for (const hop of ['abc', '0', '99', '1.5']) {
      rejects({ 'fault-hop': hop }, /^Input 'fault-hop' must be a whole number from 1 to 1/);
    }
    rejects(
      { hops: '5', 'fault-hop': '5' },
      /^Input 'fault-hop' must be a whole number from 1 to 4/,
    );
    assert.equal(parse({ hops: '5', 'fault-hop': '4' }).fault, undefined);
  });
  test('a fault needs a trace-context propagator, or it would prove nothing', () => {
    for (const propagators of ['none', 'baggage']) {
      rejects(
        { fault: 'strip-header', propagators },
        /^Input 'fault' needs a trace-context propagator in 'propagators'/,
      );
    }
    assert.ok(parse({ fault: 'strip-header', propagators: 'baggage,b3' }).fault);
  });
  test('incoming context and tracestate', () => {
    assert.deepEqual(parse({ 'incoming-context': 'unsampled' }).incoming, {
      sampled: false,
      tracestate: undefined,
    });
    assert.deepEqual(
      parse({ 'incoming-context': 'sampled', tracestate: 'a=1 , t@v=x y' }).incoming,
      {
        sampled: true,
        tracestate: 'a=1,t@v=x y',
      },
    );
    rejects({ tracestate: 'a=1' }, /^Input 'tracestate' needs 'incoming-context'/);
    rejects(
      { 'incoming-context': 'sampled', propagators: 'baggage' },
      /needs a trace-context propagator/,
    );
    rejects(
      { 'incoming-context': 'sampled', propagators: 'b3', tracestate: 'a=1' },
      /needs 'tracecontext'/,
    );
    for (const bad of ['A=1', 'a', 'a=1,a=2', 'a=x=y', `${'a=1,'.repeat(32)}b=2`]) {
      rejects(
        { 'incoming-context': 'sampled', tracestate: bad },
        /^Input 'tracestate' must be W3C tracestate/,
      );
    }
  });
  test('expect', () => {
    assert.equal(parse({ expect: 'fail' }).expect, 'fail');
    rejects({ expect: 'maybe' }, /^Input 'expect' must be one of pass, fail/);
  });
});

describe('target mode inputs', () => {
  test('a target URL turns target mode on, with the receiver defaults', () => {
    assert.deepEqual(parse({ 'target-url': 'http://127.0.0.1:8080/checkout' }).target, {
      url: 'http://127.0.0.1:8080/checkout',
      method: 'GET',
      headers: {},
      body: undefined,
      expectServices: [],
      settleMs: 1000,
      externalCalls: [],
      maxClockSkewMs: 250,
      exportDelayMs: 5000,
      waitFor: undefined,
      receiver: { host: '127.0.0.1', httpPort: 4318, grpcPort: 4317, maxSpans: 200_000 },
    });
  });
  test('every target input', () => {
    const target = parse({
      'target-url': 'https://shop.test/pay',
      'target-method': 'post',
      'target-headers': 'Content-Type: application/json\nX-Tenant: a:b',
      'target-body': '{"amount":1}',
      'expect-services': 'checkout, payment\nledger',
      settle: '250',
      'wait-for': 'http://127.0.0.1:8080/health',
      'receiver-host': '0.0.0.0',
      'receiver-http-port': '0',
      'receiver-grpc-port': '0',
      'max-spans': '50',
    }).target;
    assert.deepEqual(target, {
      url: 'https://shop.test/pay',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant': 'a:b' },
      body: '{"amount":1}',
      expectServices: ['checkout', 'payment', 'ledger'],
      settleMs: 250,
      externalCalls: [],
      maxClockSkewMs: 250,
      exportDelayMs: 5000,
      waitFor: 'http://127.0.0.1:8080/health',
      receiver: { host: '0.0.0.0', httpPort: 0, grpcPort: 'disabled', maxSpans: 50 },
    });
  });
  for (const [inputs, message] of [
    [
      { 'target-url': 'ftp://x' },
      /^Input 'target-url' must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"\.$/,
    ],
    [
      { 'target-url': 'not a url' },
      /^Input 'target-url' must be one http:\/\/ or https:\/\/ URL, without spaces/,
    ],
    [{ 'target-url': 'http://a/1\nhttp://b/2' }, /^Input 'target-url' must be one http/],
    [{ 'target-url': 'http://x', 'max-spans': '0' }, /^Input 'max-spans' must be/],
    [
      { 'target-url': 'http://x', 'target-method': 'GE T' },
      /^Input 'target-method' must be an HTTP method/,
    ],
    [
      { 'target-url': 'http://x', 'target-headers': 'no colon' },
      /^Input 'target-headers' must be lines of 'Name: value'/,
    ],
    [
      { 'target-url': 'http://x', 'target-headers': 'A: 1\na: 2' },
      /^Input 'target-headers' sets "a" twice/,
    ],
    [
      { 'target-url': 'http://x', 'expect-services': 'a,a' },
      /^Input 'expect-services' lists "a" twice/,
    ],
    [
      { 'target-url': 'http://x', settle: '60001' },
      /^Input 'settle' must be a whole number from 0 to 60000/,
    ],
    [
      { 'target-url': 'http://x', 'receiver-http-port': '99999' },
      /^Input 'receiver-http-port' must be a whole number/,
    ],
    [
      { 'target-url': 'http://x', 'receiver-host': 'a b' },
      /^Input 'receiver-host' must be an IP address or host name/,
    ],
    [
      { 'target-url': 'http://x', hops: '3' },
      /^Input 'hops' shapes the built-in services, which target mode does not start/,
    ],
    [
      { 'target-url': 'http://x', fault: 'strip-header' },
      /^Input 'fault' shapes the built-in services/,
    ],
    [{ 'expect-services': 'a' }, /^Input 'expect-services' needs 'target-url'/],
  ] as const) {
    test(`rejects ${JSON.stringify(inputs)}`, () => rejects(inputs, message));
  }
});

describe('splitList', () => {
  test('commas, newlines, CRLF, blanks', () => {
    assert.deepEqual(splitList('a, b\r\nc,,\n d '), ['a', 'b', 'c', 'd']);
  });
});
