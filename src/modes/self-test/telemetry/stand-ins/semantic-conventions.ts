/**
 * Stands in for `@opentelemetry/semantic-conventions` in the bundle (tsconfig `paths`). The
 * package's entry loads every table it has (383 KiB: the deprecated SEMATTRS_* and SEMRESATTRS_*
 * tables too), and even its stable tables alone are about 900 names; the bundled OpenTelemetry
 * packages read 27 of them. These are those 27, with the package's values: a unit test scans every
 * installed OpenTelemetry package for the names it reads from the package and checks each against
 * the package's own value, so a name added by an upgrade fails the test rather than reading
 * `undefined` here.
 */
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_REQUEST_METHOD_ORIGINAL = 'http.request.method_original';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_NETWORK_PEER_ADDRESS = 'network.peer.address';
export const ATTR_NETWORK_PEER_PORT = 'network.peer.port';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_TELEMETRY_SDK_LANGUAGE = 'telemetry.sdk.language';
export const ATTR_TELEMETRY_SDK_NAME = 'telemetry.sdk.name';
export const ATTR_TELEMETRY_SDK_VERSION = 'telemetry.sdk.version';
export const ATTR_URL_FULL = 'url.full';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_QUERY = 'url.query';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_USER_AGENT_ORIGINAL = 'user_agent.original';
export const METRIC_HTTP_CLIENT_REQUEST_DURATION = 'http.client.request.duration';
export const METRIC_HTTP_SERVER_REQUEST_DURATION = 'http.server.request.duration';
export const TELEMETRY_SDK_LANGUAGE_VALUE_NODEJS = 'nodejs';
export const TELEMETRY_SDK_LANGUAGE_VALUE_WEBJS = 'webjs';
