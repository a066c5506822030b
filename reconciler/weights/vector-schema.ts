import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

export const vectorSchemaUrl = new URL('../../schemas/weights-vector.schema.json', import.meta.url);

// ajv-formats ships CommonJS: its default export is the plugin, under `.default` depending on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(vectorSchemaUrl, 'utf8')) as object);
  }
  return compiled;
}

/** Checks a sealed vector document against schemas/weights-vector.schema.json; returns readable problems. */
export function vectorSchemaProblems(document: unknown): string[] {
  const validate = validator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? error.keyword}`);
}
