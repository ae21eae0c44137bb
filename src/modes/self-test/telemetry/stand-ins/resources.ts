/**
 * Stands in for `@opentelemetry/resources` in the bundle (tsconfig `paths`). The package's entry
 * loads every resource detector (environment, host, OS, process, service instance, the machine-id
 * readers of each platform) and the semantic-convention table they write, none of which the
 * action runs: it builds its resource from one attribute, and the SDK's tracer provider asks for
 * the default resource. These are the package's own functions, from the one module that defines
 * them; a unit test checks every name the bundled OpenTelemetry packages read from the package is
 * here and is the package's own.
 */
export {
  defaultResource,
  emptyResource,
  resourceFromAttributes,
} from '@opentelemetry/resources/build/src/ResourceImpl';
export type { Resource } from '@opentelemetry/resources/build/src/Resource';
