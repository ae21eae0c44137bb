/**
 * @opentelemetry/sdk-trace as its ES module build (the package's `module` entry), for the bundle
 * (tsconfig `paths`): same version, same code. webpack joins ES modules into one scope and leaves
 * out what nothing imports; the CommonJS build keeps every module and re-exports each name
 * through a getter. __tests__/unit/telemetry-stand-ins.test.ts checks both builds export the
 * same names.
 */
export * from '@opentelemetry/sdk-trace/build/esm/index.js';
