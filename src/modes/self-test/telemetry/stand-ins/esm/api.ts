/**
 * @opentelemetry/api as its ES module build (the package's `module` condition), for the bundle
 * (tsconfig `paths`): same version, same code. webpack joins ES modules into one scope and leaves
 * out what nothing imports; the CommonJS build keeps every module and re-exports each name
 * through a getter. The package's `exports` map admits no deep import, hence the file path.
 * __tests__/unit/telemetry-stand-ins.test.ts checks both builds export the same names.
 */
export * from '../../../../../../node_modules/@opentelemetry/api/build/esm/index.js';
