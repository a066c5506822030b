import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
// Imported, not read at run time, so that the single-file submitter bundle carries it.
import vectorSchema from '../../schemas/weights-vector.schema.json' with { type: 'json' };

// ajv-formats ships CommonJS: its default export is the plugin, under `.default` depending on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    compiled = ajv.compile(vectorSchema as object);
  }
  return compiled;
}

/** Checks a sealed vector document against schemas/weights-vector.schema.json; returns readable problems. */
export function vectorSchemaProblems(document: unknown): string[] {
  const validate = validator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? error.keyword}`);
}
