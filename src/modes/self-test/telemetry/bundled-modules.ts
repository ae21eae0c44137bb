import type {
  InstrumentationBase,
  InstrumentationModuleDefinition,
} from '@opentelemetry/instrumentation';

/** A module the bundle holds, handed to its instrumentation directly. */
export interface LoadedModule {
  name: string;
  version: string;
  exports: unknown;
}

/**
 * Applies an instrumentation's patch to a module object we already hold. Instrumentations normally
 * patch through a require hook, but the bundler inlines packages such as koa, so the hook never
 * sees them: instead we hand the module to the instrumentation's own patch function. Returns a
 * function that removes the patch.
 */
export function patchLoadedModule(
  instrumentation: InstrumentationBase,
  module: LoadedModule,
): () => void {
  const definitions = instrumentation
    .getModuleDefinitions()
    .filter((definition) => definition.name === module.name);
  if (definitions.length === 0) {
    throw new Error(
      `${instrumentation.instrumentationName} has no patch for module ${module.name}`,
    );
  }
  const patched = definitions.map((definition) => patchOne(definition, module));
  return () => {
    for (const { definition, exports } of patched) definition.unpatch?.(exports, module.version);
  };
}

function patchOne(
  definition: InstrumentationModuleDefinition,
  module: LoadedModule,
): { definition: InstrumentationModuleDefinition; exports: unknown } {
  const exports = definition.patch?.(module.exports, module.version) ?? module.exports;
  return { definition, exports };
}
