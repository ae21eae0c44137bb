// The bundle's stand-ins for packages the bundled OpenTelemetry packages load (tsconfig `paths`):
// the semantic conventions must give every name those packages read the package's own value, and
// the module hooks must do nothing for the shared hook and refuse a hook for named modules, and
// the resources stand-in must hold every name the bundled packages read, as the package's own, and
// the ES module builds the bundle takes for five packages must export what their entries do, and
// the sdk-trace-base stand-in must hold the one name the bundled packages read, as the package's own.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { Hook } from '../../src/modes/self-test/telemetry/stand-ins/module-hooks';
import * as resourcesStandIn from '../../src/modes/self-test/telemetry/stand-ins/resources';
import * as standIn from '../../src/modes/self-test/telemetry/stand-ins/semantic-conventions';

const REPO = resolve(import.meta.dirname, '../..');
const OTEL = join(REPO, 'node_modules/@opentelemetry');

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith('.js') || name.endsWith('.mjs') || name.endsWith('.cjs') ? [path] : [];
  });
}

/** Every name any installed OpenTelemetry package imports from the semantic conventions. */
function namesRead(): Set<string> {
  const names = new Set<string>();
  for (const pkg of readdirSync(OTEL)) {
    if (pkg === 'semantic-conventions') continue;
    const build = join(OTEL, pkg, 'build');
    let files: string[];
    try {
      files = jsFiles(build);
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes('@opentelemetry/semantic-conventions')) continue;
      // CommonJS builds: `const semantic_conventions_1 = require(...)`, then `semantic_conventions_1.X`.
      for (const match of text.matchAll(/semantic_conventions_\d+\.([A-Za-z_0-9]+)/g)) {
        names.add(match[1]!);
      }
      // ESM builds: `import { X, Y as Z } from '@opentelemetry/semantic-conventions'`.
      for (const match of text.matchAll(
        /import\s*\{([^}]*)\}\s*from\s*['"]@opentelemetry\/semantic-conventions['"]/g,
      )) {
        for (const item of match[1]!.split(',')) {
          const name = item.trim().split(/\s+as\s+/)[0]!;
          if (name) names.add(name);
        }
      }
    }
  }
  return names;
}

/** The OpenTelemetry packages the action depends on, with theirs: what the bundle may hold. */
function bundledPackages(): string[] {
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (!name.startsWith('@opentelemetry/') || found.has(name)) return;
    found.add(name);
    const manifest = JSON.parse(
      readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8'),
    ) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const name of Object.keys(root.dependencies)) visit(name);
  return [...found];
}

/**
 * The CommonJS sources of the bundled OpenTelemetry packages but `except` (the one scanned for);
 * the semantic conventions ship as dist/ and import nothing.
 */
function* bundledSources(except: string): Generator<{ pkg: string; text: string }> {
  for (const pkg of bundledPackages()) {
    const build = join(REPO, 'node_modules', pkg, 'build', 'src');
    if (pkg === except || !existsSync(build)) continue;
    for (const file of jsFiles(build)) yield { pkg, text: readFileSync(file, 'utf8') };
  }
}

/** The names src/ imports (as values or types) from @opentelemetry/sdk-trace-node. */
function sdkTraceNodeImports(): string[] {
  const names = new Set<string>();
  const tsFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return tsFiles(path);
      return name.endsWith('.ts') ? [path] : [];
    });
  for (const file of tsFiles(join(REPO, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"]@opentelemetry\/sdk-trace-node['"]/g,
    )) {
      for (const item of match[1]!.split(',')) {
        const name = item
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0]!;
        if (name) names.add(name);
      }
    }
    assert.doesNotMatch(text, /from\s*['"]@opentelemetry\/sdk-trace-node\//, file);
  }
  return [...names].sort();
}

describe('bundle stand-ins', () => {
  test("resources: every name the bundled OpenTelemetry packages read is the package's own", () => {
    // The package itself, by file: its name would resolve to the stand-in here.
    const real = createRequire(import.meta.filename)(
      join(OTEL, 'resources/build/src/index.js'),
    ) as Record<string, unknown>;
    const names = new Set<string>();
    for (const { text } of bundledSources('@opentelemetry/resources')) {
      for (const match of text.matchAll(/resources_\d+\.([A-Za-z_0-9]+)/g)) names.add(match[1]!);
    }
    // The SDK's tracer provider reads the default resource; src/ builds one from attributes.
    assert.ok(names.has('defaultResource'), 'the scan finds names');
    names.add('resourceFromAttributes');
    for (const name of names) {
      assert.equal(typeof real[name], 'function', `${name} is in the package`);
      assert.equal((resourcesStandIn as Record<string, unknown>)[name], real[name], name);
    }
    // And it is smaller: no detector.
    assert.equal((resourcesStandIn as Record<string, unknown>)['detectResources'], undefined);
    assert.equal((resourcesStandIn as Record<string, unknown>)['hostDetector'], undefined);
  });

  test('semantic conventions: every name the OpenTelemetry packages read, with its value', () => {
    // The package itself, by file: its name would resolve to the stand-in here.
    const real = createRequire(import.meta.filename)(
      join(OTEL, 'semantic-conventions/dist/index.cjs'),
    ) as Record<string, unknown>;
    const names = namesRead();
    assert.ok(
      names.has('ATTR_SERVICE_NAME') && names.has('ATTR_SERVER_PORT'),
      'the scan finds names',
    );
    for (const name of names) {
      assert.notEqual(real[name], undefined, `${name} is in the package`);
      assert.equal((standIn as Record<string, unknown>)[name], real[name], name);
    }
    // And it is smaller: the deprecated tables are left out.
    assert.equal((standIn as Record<string, unknown>)['SEMATTRS_HTTP_METHOD'], undefined);
  });

  test('ES module builds: each stand-in exports every name of the package entry, the same kinds', async () => {
    const requireFile = createRequire(import.meta.filename);
    const entries: Record<string, string> = {
      api: 'build/src/index.js',
      'api-logs': 'build/src/index.js',
      core: 'build/src/index.js',
      instrumentation: 'build/src/index.js',
      'sdk-trace': 'build/src/index.js',
    };
    for (const [pkg, entry] of Object.entries(entries)) {
      // The package's own CommonJS entry, by file: its name would resolve to the stand-in here.
      const real = requireFile(join(OTEL, pkg, entry)) as Record<string, unknown>;
      const esm = (await import(
        `../../src/modes/self-test/telemetry/stand-ins/esm/${pkg}`
      )) as Record<string, unknown>;
      const names = (module: Record<string, unknown>): string[] =>
        Object.keys(module)
          .filter((name) => name !== 'default' && name !== '__esModule')
          .sort();
      assert.deepEqual(names(esm), names(real), pkg);
      for (const name of names(real))
        assert.equal(typeof esm[name], typeof real[name], `${pkg} ${name}`);
    }
  });

  test("sdk-trace-base: the one name the bundled packages use, the ES module build's own", async () => {
    const used = new Set<string>();
    const reExported = new Set<string>();
    for (const { pkg, text } of bundledSources('@opentelemetry/sdk-trace-base')) {
      // A re-export (`get: function () { return sdk_trace_base_1.X; }`) passes the name on.
      const getters = /get: function \(\) \{ return sdk_trace_base_\d+\.([A-Za-z_0-9]+); \}/g;
      for (const match of text.matchAll(getters)) reExported.add(`${pkg}.${match[1]!}`);
      for (const match of text
        .replace(getters, '')
        .matchAll(/sdk_trace_base_\d+\.([A-Za-z_0-9]+)/g)) {
        used.add(match[1]!);
      }
    }
    // sdk-trace-node's NodeTracerProvider extends it; sdk-trace-node re-exports the rest, and
    // src/ takes only NodeTracerProvider from sdk-trace-node.
    assert.deepEqual([...used], ['BasicTracerProvider']);
    assert.ok(reExported.has('@opentelemetry/sdk-trace-node.SimpleSpanProcessor'), 'scan');
    assert.ok([...reExported].every((name) => name.startsWith('@opentelemetry/sdk-trace-node.')));
    assert.deepEqual(sdkTraceNodeImports(), ['NodeTracerProvider']);
    // The package's ES module build, loaded as the stand-in loads it (required, by its real
    // path: node_modules may be a link): the same module, so the same class.
    const real = createRequire(import.meta.filename)(
      realpathSync(join(OTEL, 'sdk-trace-base/build/esm/index-shim.js')),
    ) as Record<string, unknown>;
    const own =
      (await import('../../src/modes/self-test/telemetry/stand-ins/sdk-trace-base')) as Record<
        string,
        unknown
      >;
    const exported = Object.keys(own).filter((name) => name !== 'default' && name !== '__esModule');
    assert.deepEqual(exported, ['BasicTracerProvider']);
    assert.equal(typeof real['BasicTracerProvider'], 'function');
    assert.equal(own['BasicTracerProvider'], real['BasicTracerProvider']);
  });

  test('module hooks: the shared hook does nothing; a hook for named modules is refused', () => {
    const shared = new Hook(null);
    shared.unhook();
    assert.throws(() => new Hook(['koa']), /bundles no module hooks: patch koa/);
  });
});
