import type { PropagatorName } from '../../config/inputs';
import { SERVICE_BATCH_DELAY_MS } from '../../config/services';

/**
 * The environment of the processes the action starts (services, setup, teardown): the job's own,
 * minus what belongs to this step alone, plus the OpenTelemetry variables that point the SDKs at
 * the receiver. A command's own assignments (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc node pay.js`) win,
 * since bash applies them after.
 */

/**
 * Never handed down: the step's own files (a service writing `verdict=pass` to GITHUB_OUTPUT
 * would forge the verdict), the action's inputs, and the runner's tokens, which a `run:` step
 * does not get either.
 */
const WITHHELD = [
  'GITHUB_OUTPUT',
  'GITHUB_STEP_SUMMARY',
  'GITHUB_ENV',
  'GITHUB_PATH',
  'GITHUB_STATE',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
];

export interface ServiceEnvOptions {
  /** The receiver's OTLP/HTTP address, its real port. */
  receiverHttpUrl: string;
  propagators: readonly PropagatorName[];
}

/** The environment for setup and teardown: everything but the service name. */
export function commandEnv(
  options: ServiceEnvOptions,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (!WITHHELD.includes(name) && !name.startsWith('INPUT_')) env[name] = value;
  }
  return {
    ...env,
    OTEL_EXPORTER_OTLP_ENDPOINT: localAddress(options.receiverHttpUrl),
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_EXPORTER: 'otlp',
    // The receiver takes traces only: metrics and logs exporters would fail at every export.
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: String(SERVICE_BATCH_DELAY_MS),
    OTEL_PROPAGATORS: options.propagators.length > 0 ? options.propagators.join(',') : 'none',
    // The probe's context is sampled: a service must follow it, not a ratio of its own.
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  };
}

/** The environment of one service: the command environment and its service name. */
export function serviceEnv(name: string, commandEnvironment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...commandEnvironment, OTEL_SERVICE_NAME: name };
}

/** A wildcard bind address is no address to send to: the services run on this host. */
function localAddress(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  else if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
  // URL keeps a trailing slash on a bare origin; OTLP endpoints are given without one.
  return parsed.toString().replace(/\/$/, '');
}
