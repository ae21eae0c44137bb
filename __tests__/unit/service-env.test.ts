import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commandEnv, serviceEnv } from '../../src/modes/target/service-env';

const JOB = {
  PATH: '/usr/bin',
  HOME: '/home/runner',
  GITHUB_WORKSPACE: '/work',
  GITHUB_OUTPUT: '/tmp/out',
  GITHUB_STEP_SUMMARY: '/tmp/summary',
  GITHUB_ENV: '/tmp/env',
  GITHUB_PATH: '/tmp/path',
  GITHUB_STATE: '/tmp/state',
  ACTIONS_RUNTIME_TOKEN: 'secret',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'secret',
  INPUT_SERVICES: 'a: node a.js',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
};

describe('the environment of the processes the action starts', () => {
  test('OTEL variables point at the receiver; the step and the runner keep their own', () => {
    const env = commandEnv(
      { receiverHttpUrl: 'http://127.0.0.1:41234', propagators: ['tracecontext', 'baggage'] },
      JOB,
    );
    assert.deepEqual(
      Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('OTEL_'))),
      { PATH: '/usr/bin', HOME: '/home/runner', GITHUB_WORKSPACE: '/work' },
    );
    assert.deepEqual(
      Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('OTEL_'))),
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:41234',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_PROPAGATORS: 'tracecontext,baggage',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      },
    );
    assert.equal(serviceEnv('checkout', env).OTEL_SERVICE_NAME, 'checkout');
    assert.equal(env.OTEL_SERVICE_NAME, undefined, 'setup and teardown get no service name');
  });

  test('a wildcard bind address becomes loopback; no propagator is none', () => {
    const v4 = commandEnv({ receiverHttpUrl: 'http://0.0.0.0:4318', propagators: [] }, {});
    assert.equal(v4.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://127.0.0.1:4318');
    assert.equal(v4.OTEL_PROPAGATORS, 'none');
    const v6 = commandEnv({ receiverHttpUrl: 'http://[::]:4318', propagators: ['b3'] }, {});
    assert.equal(v6.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://[::1]:4318');
  });
});
