/**
 * Generates reconciler/desired-state/subnet.types.ts from schemas/subnet.schema.json, so the TypeScript types
 * of the desired state come from the schema and nowhere else. `make generate` runs it; a unit test fails when the
 * committed file differs from what this produces.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

export const schemaPath = fileURLToPath(new URL('../../schemas/subnet.schema.json', import.meta.url));
export const typesPath = fileURLToPath(new URL('./subnet.types.ts', import.meta.url));

export async function renderTypes(): Promise<string> {
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as JSONSchema;
  return compile(schema, 'SubnetDesiredState', {
    bannerComment:
      '/* Generated from schemas/subnet.schema.json by reconciler/desired-state/generate-types.ts. Do not edit: run `make generate`. */',
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120 },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(typesPath, await renderTypes());
  console.log(`wrote ${typesPath}`);
}
