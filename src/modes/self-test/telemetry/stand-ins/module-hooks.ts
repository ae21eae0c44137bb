/**
 * Stands in for `require-in-the-middle` and `import-in-the-middle` in the bundle (tsconfig
 * `paths`). The action never patches through a module hook: the bundler inlines koa, so a hook
 * would not see it, and src/modes/self-test/telemetry patches the modules it holds (bundled-modules.ts) with
 * every instrumentation built `enabled: false`. Yet `@opentelemetry/instrumentation` loads both
 * hook packages (with `worker_threads`, `debug` and an ESM loader) and installs a require hook
 * for every instrumentation it builds. Here the shared hook it installs (`modules` null, nothing
 * registered on it) does nothing, and a hook for named modules, which only an enabled
 * instrumentation asks for, fails loudly instead of patching nothing.
 */
export class Hook {
  constructor(modules: readonly string[] | null) {
    if (modules !== null) {
      throw new Error(
        `propagation-check bundles no module hooks: patch ${modules.join(', ')} through src/modes/self-test/telemetry/bundled-modules.ts`,
      );
    }
  }

  unhook(): void {}
}
