/**
 * Stands in for `@opentelemetry/semantic-conventions` in the bundle (tsconfig `paths`). The
 * package's entry also loads the deprecated attribute and resource tables (SEMATTRS_*,
 * SEMRESATTRS_*: most of its 383 KiB), which the bundled OpenTelemetry packages never read; they
 * read stable names only (ATTR_SERVICE_NAME, ATTR_SERVER_PORT, METRIC_HTTP_...). These are the
 * package's own stable tables, so the values are the package's. A unit test checks that every name
 * the bundled packages import resolves here to the package's value.
 */
export * from '../../../../../node_modules/@opentelemetry/semantic-conventions/dist/stable_attributes.cjs';
export * from '../../../../../node_modules/@opentelemetry/semantic-conventions/dist/stable_metrics.cjs';
