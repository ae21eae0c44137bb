/**
 * @opentelemetry/sdk-trace-base for the bundle (tsconfig `paths`): the package's own
 * `BasicTracerProvider` from its ES module build, the one value the bundled packages read from it
 * (sdk-trace-node's `NodeTracerProvider` extends it), and the types src/ names. sdk-trace-node
 * re-exports the whole package through CommonJS, which keeps every export of it in the bundle:
 * its console and in-memory exporters, batch and simple processors, none of which the action
 * uses. __tests__/unit/telemetry-stand-ins.test.ts checks the value is the package's own and that
 * the bundled packages read no other name from the package.
 */
export { BasicTracerProvider } from '@opentelemetry/sdk-trace-base/build/esm/BasicTracerProvider-shim.js';
export type {
  ReadableSpan,
  Span,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-base/build/esm/index-shim.js';
