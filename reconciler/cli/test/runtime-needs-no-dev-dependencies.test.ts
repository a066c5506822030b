/**
 * `npm ci --omit=dev` gives a working `base` (and the master image, whose .dockerignore leaves the development
 * packages out, starts): no module reachable from the programs' entries imports a devDependency or an undeclared
 * package. The import graph is read by esbuild with every package left external; dynamic imports with literal
 * paths (the CLI's lazily loaded handlers) are followed too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const builtins = new Set(builtinModules);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

async function packagesImportedFrom(entry: string): Promise<Map<string, string[]>> {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const importers = new Map<string, string[]>();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external || imported.path.startsWith('node:') || builtins.has(imported.path)) continue;
      const name = packageName(imported.path);
      importers.set(name, [...(importers.get(name) ?? []), file]);
    }
  }
  return importers;
}

for (const entry of ['bin/base.mjs', 'submitter/cli.ts']) {
  test(`${entry} reaches only production dependencies`, async () => {
    const importers = await packagesImportedFrom(entry);
    assert.ok(importers.has('commander'), 'the import graph was read (commander is imported by every program)');
    const offending = [...importers]
      .filter(([name]) => !(name in manifest.dependencies))
      .map(([name, files]) => `${name} (${name in manifest.devDependencies ? 'a devDependency' : 'not declared'}), imported by ${files.join(', ')}`);
    assert.deepEqual(offending, []);
  });
}
