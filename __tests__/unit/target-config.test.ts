import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig, type InputName } from '../../src/config';
import { InputError } from '../../src/errors';

const URL = { 'target-url': 'http://127.0.0.1:8080/checkout' };

function target(inputs: Partial<Record<InputName, string>>) {
  return parseConfig((name) => ({ ...URL, ...inputs })[name] ?? '').target!;
}

function rejects(inputs: Partial<Record<InputName, string>>, message: RegExp): void {
  assert.throws(
    () => parseConfig((name) => inputs[name] ?? ''),
    (error: unknown) => error instanceof InputError && message.test(error.message),
  );
}

describe('target inputs of issue 8', () => {
  test('external-calls: hosts, host:port and URL prefixes, lower-cased', () => {
    assert.deepEqual(
      target({
        'external-calls': 'api.Stripe.com, 10.0.0.5:8443\nHTTPS://Bank.test/v2/, [::1]:9000',
      }).externalCalls,
      [
        { kind: 'host', host: 'api.stripe.com', port: undefined },
        { kind: 'host', host: '10.0.0.5', port: 8443 },
        { kind: 'prefix', prefix: 'https://bank.test/v2/' },
        { kind: 'host', host: '::1', port: 9000 },
      ],
    );
  });
  for (const bad of ['a b', 'host:99999', 'ftp://x', 'host:', '@x']) {
    test(`external-calls refuses ${JSON.stringify(bad)}`, () => {
      rejects(
        { ...URL, 'external-calls': bad },
        /^Input 'external-calls' (items must be a host, host:port or http\(s\):\/\/ URL prefix|must be)/,
      );
    });
  }
  test('external-calls needs target-url', () => {
    rejects({ 'external-calls': 'x' }, /^Input 'external-calls' needs 'target-url'/);
  });
  test('max-clock-skew and export-delay: whole ms within bounds, defaults 250 and 5000', () => {
    const parsed = target({});
    assert.equal(parsed.maxClockSkewMs, 250);
    assert.equal(parsed.exportDelayMs, 5000);
    assert.equal(target({ 'max-clock-skew': '0', 'export-delay': '120000' }).exportDelayMs, 120000);
    rejects(
      { ...URL, 'max-clock-skew': '-1' },
      /^Input 'max-clock-skew' must be a whole number from 0 to 60000/,
    );
    rejects(
      { ...URL, 'export-delay': '120001' },
      /^Input 'export-delay' must be a whole number from 0 to 120000/,
    );
    rejects({ ...URL, 'export-delay': '5s' }, /^Input 'export-delay' must be a whole number/);
  });
});
