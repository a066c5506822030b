/**
 * Validates desired-state data against schemas/subnet.schema.json with ajv (defaults applied in place) and turns
 * each ajv error into a Problem an operator can act on: where (the YAML node), what was found, what was expected.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { describeValue, formatPath, type Problem } from './problem.ts';
import { closestName } from './suggest.ts';
import { locate, type PathSegment, type YamlSource } from './yaml-source.ts';

export const schemaUrl = new URL('../../schemas/subnet.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

/** The compiled validator (compiled once per process: compiling costs far more than validating). */
export function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, verbose: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Validates (and fills defaults into) `source.data`; returns the problems, empty when valid. */
export function checkSchema(source: YamlSource): Problem[] {
  const validate = schemaValidator();
  if (validate(source.data)) return [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const described = describeAjvError(error);
    if (!described) continue;
    const { line, column } = locate(source, described.path, described.target);
    const path = formatPath(described.path);
    const message = path ? `${path}: ${described.message}` : described.message;
    const key = `${line}:${column}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ file: source.file, line, column, path, message, rule: `schema.${error.keyword}` });
  }
  return problems;
}

interface DescribedError {
  path: PathSegment[];
  target: 'value' | 'key';
  message: string;
}

/** What the schema's patterns mean, in words. */
const PATTERN_MEANINGS: Record<string, string> = {
  '^wss?://[^\\s]+$': 'a ws:// or wss:// URL',
  '^https?://[^\\s]+$': 'an http:// or https:// URL',
  '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$': "a name of at most 63 letters, digits, '_', '.' or '-', starting with a letter or digit",
  '^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$': "a hostname of at most 63 letters, digits, '.' or '-', starting with a letter or digit",
  '^[A-Za-z_][A-Za-z0-9_]*$': "an environment variable name (letters, digits and '_', not starting with a digit)",
  '^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$': "a label key of lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
  '^[1-9A-HJ-NP-Za-km-z]{46,48}$': 'an SS58 hotkey address (46 to 48 base58 characters)',
};

function meaningOf(pattern: string): string {
  return PATTERN_MEANINGS[pattern] ?? `a value matching /${pattern}/`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Set) return 'a set';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'the integer' : 'the number';
  if (typeof value === 'string') return 'the string';
  if (typeof value === 'boolean') return 'the boolean';
  return typeof value;
}

function found(value: unknown): string {
  const name = typeName(value);
  return name.startsWith('the ') ? `${name} ${describeValue(value)}` : name;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function pathOf(instancePath: string): PathSegment[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((raw) => {
      const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment;
    });
}

function listOf(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

export function describeAjvError(error: ErrorObject): DescribedError | undefined {
  const path = pathOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const value: unknown = error.data;
  const plain = (message: string): DescribedError => ({ path, target: 'value', message });
  // The schema carries the slug rule so editors flag it while typing; the semantic check words it better.
  if (path.length === 3 && path[0] === 'challenges' && path[2] === 'slug' && (error.keyword === 'pattern' || error.keyword === 'maxLength')) {
    return undefined;
  }
  switch (error.keyword) {
    case 'required':
      return plain(`missing required property "${String(params.missingProperty)}"`);
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = closestName(name, allowed);
      const hint = guess ? `did you mean "${guess}"?` : allowed.length ? `expected one of ${allowed.join(', ')}` : 'no properties are allowed here';
      return { path: [...path, name], target: 'key', message: `unknown property "${name}"; ${hint}` };
    }
    case 'propertyNames':
      return undefined; // the inner error, which carries propertyName, says it better
    case 'type': {
      const expected = Array.isArray(params.type) ? params.type : [params.type];
      if (typeof value === 'number' && !Number.isFinite(value)) return plain(`found ${describeValue(value)}, expected a finite number`);
      const words = expected.map((t) => ARTICLE[String(t)] ?? String(t));
      const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : (words[0] ?? 'another type');
      return plain(`found ${found(value)}, expected ${list}`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const guess = typeof value === 'string' ? closestName(value, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      return plain(`found ${describeValue(value)}, expected one of ${listOf(allowed)}${guess ? ` (did you mean "${guess}"?)` : ''}`);
    }
    case 'const':
      return plain(`found ${describeValue(value)}, expected ${JSON.stringify(params.allowedValue)}`);
    case 'pattern': {
      const meaning = meaningOf(String(params.pattern));
      if (error.propertyName !== undefined) {
        return { path: [...path, error.propertyName], target: 'key', message: `found the name ${JSON.stringify(error.propertyName)}, expected ${meaning}` };
      }
      return plain(`found ${describeValue(value)}, expected ${meaning}`);
    }
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const words = { minimum: 'at least', exclusiveMinimum: 'more than', maximum: 'at most', exclusiveMaximum: 'less than' }[error.keyword];
      return plain(`found ${describeValue(value)}, expected ${words} ${String(params.limit)}`);
    }
    case 'minLength':
    case 'maxLength': {
      const length = typeof value === 'string' ? [...value].length : 0;
      const words = error.keyword === 'minLength' ? 'at least' : 'at most';
      const limit = Number(params.limit);
      const unit = limit === 1 ? 'character' : 'characters';
      return plain(length === 0 ? `found an empty string, expected ${words} ${limit} ${unit}` : `found a string of ${length} characters, expected ${words} ${limit}`);
    }
    case 'minItems':
    case 'maxItems': {
      const count = Array.isArray(value) ? value.length : 0;
      const words = error.keyword === 'minItems' ? 'at least' : 'at most';
      return plain(`found ${count === 0 ? 'an empty list' : `${count} items`}, expected ${words} ${String(params.limit)}`);
    }
    case 'uniqueItems': {
      const i = Number(params.i);
      const j = Number(params.j);
      const later = Math.max(i, j);
      const earlier = Math.min(i, j);
      const item = Array.isArray(value) ? value[later] : undefined;
      return { path: [...path, later], target: 'value', message: `found ${describeValue(item)} twice (also at [${earlier}]), expected each item once` };
    }
    default:
      return plain(`${error.message ?? 'is invalid'} (schema keyword ${error.keyword})`);
  }
}
