import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { decodeAddress } from '@polkadot/util-crypto';
import { hexToU8a, isHex } from '@polkadot/util';
import { parseDocument } from 'yaml';
// Imported, not read at run time, so that the single-file submitter bundle carries it.
import submitterConfigSchema from '../schemas/submitter-config.schema.json' with { type: 'json' };


export type HotkeySource = { kind: 'seed_file'; seedFile: string } | { kind: 'keystore'; keystoreFile: string; passwordFile: string };

/** The validated configuration, paths resolved, durations in milliseconds. */
export interface SubmitterConfig {
  file: string;
  weightsUrl: string;
  netuid: number;
  chainEndpoint: string;
  hotkey: HotkeySource;
  masterPublicKey: Uint8Array;
  versionKey: bigint;
  cadenceMs: number;
  freshnessMs: number;
  clockSkewMs: number;
  http: { timeoutMs: number; retries: number; minBackoffMs: number; maxBackoffMs: number; maxBodyBytes: number };
  chain: { connectTimeoutMs: number; inclusionTimeoutMs: number; blockTimeMs: number };
  rejectionBackoff: { initialMs: number; maxMs: number };
  commitReveal: { mode: CommitRevealMode };
  /** recompute: replay the epoch's published inputs before submitting (submitter/recompute.ts). */
  verify: 'signature' | 'recompute';
  stateDir: string;
}

/** How weights go on chain when the subnet has commit-reveal on. */
export type CommitRevealMode = 'auto' | CommitMode;
export type CommitMode = 'timelocked' | 'hash';

/** A configuration problem: names the file, the field, what was found and what was expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface RawConfig {
  weights_url: string;
  netuid: number;
  chain_endpoint: string;
  hotkey: { seed_file: string } | { keystore_file: string; password_file: string };
  master_public_key: string;
  version_key: number;
  cadence_seconds: number;
  freshness_seconds: number;
  clock_skew_seconds: number;
  http: { timeout_seconds: number; retries: number; min_backoff_seconds: number; max_backoff_seconds: number; max_body_bytes: number };
  chain: { connect_timeout_seconds: number; inclusion_timeout_seconds: number; block_time_seconds: number };
  rejection_backoff: { initial_seconds: number; max_seconds: number };
  commit_reveal: { mode: CommitRevealMode };
  verify: 'signature' | 'recompute';
  state_dir: string;
}

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
    addFormats(ajv);
    compiled = ajv.compile(submitterConfigSchema as object);
  }
  return compiled;
}

/** Reads, validates and normalizes a config file (YAML or JSON). Throws ConfigError with every problem found. */
export function loadSubmitterConfig(file: string): SubmitterConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(`${absolute}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where = first.linePos?.[0] ? `:${first.linePos[0].line}:${first.linePos[0].col}` : '';
    throw new ConfigError(`${absolute}${where}: not valid YAML/JSON: ${first.message.split('\n')[0]}`);
  }
  return parseSubmitterConfig(document.toJS() as unknown, absolute);
}

/** Validates an already-parsed config object; `file` names it in errors and anchors relative paths. */
export function parseSubmitterConfig(value: unknown, file: string): SubmitterConfig {
  const candidate = value === null || typeof value !== 'object' ? value : structuredClone(value);
  const validate = validator();
  if (!validate(candidate)) {
    const problems = selectErrors(validate.errors ?? []).map((error) => describeSchemaError(error, candidate));
    throw new ConfigError(`${file}: invalid submitter config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const raw = candidate as RawConfig;
  const base = path.dirname(file);
  const resolve = (p: string) => path.resolve(base, p);

  const problems: string[] = [];
  const masterPublicKey = decodeMasterKey(raw.master_public_key);
  if (!masterPublicKey) {
    problems.push(`master_public_key: "${raw.master_public_key}" is not a valid SS58 address or 32-byte hex public key`);
  }
  if (raw.http.max_backoff_seconds < raw.http.min_backoff_seconds) {
    problems.push(`http.max_backoff_seconds: ${raw.http.max_backoff_seconds} is below http.min_backoff_seconds (${raw.http.min_backoff_seconds})`);
  }
  if (raw.rejection_backoff.max_seconds < raw.rejection_backoff.initial_seconds) {
    problems.push(`rejection_backoff.max_seconds: ${raw.rejection_backoff.max_seconds} is below rejection_backoff.initial_seconds`);
  }
  if (problems.length > 0 || !masterPublicKey) {
    throw new ConfigError(`${file}: invalid submitter config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }

  const hotkey: HotkeySource =
    'seed_file' in raw.hotkey
      ? { kind: 'seed_file', seedFile: resolve(raw.hotkey.seed_file) }
      : { kind: 'keystore', keystoreFile: resolve(raw.hotkey.keystore_file), passwordFile: resolve(raw.hotkey.password_file) };
  const ms = (seconds: number) => Math.round(seconds * 1000);
  return {
    file,
    weightsUrl: raw.weights_url,
    netuid: raw.netuid,
    chainEndpoint: raw.chain_endpoint,
    hotkey,
    masterPublicKey,
    versionKey: BigInt(raw.version_key),
    cadenceMs: ms(raw.cadence_seconds),
    freshnessMs: ms(raw.freshness_seconds),
    clockSkewMs: ms(raw.clock_skew_seconds),
    http: {
      timeoutMs: ms(raw.http.timeout_seconds),
      retries: raw.http.retries,
      minBackoffMs: ms(raw.http.min_backoff_seconds),
      maxBackoffMs: ms(raw.http.max_backoff_seconds),
      maxBodyBytes: raw.http.max_body_bytes,
    },
    chain: {
      connectTimeoutMs: ms(raw.chain.connect_timeout_seconds),
      inclusionTimeoutMs: ms(raw.chain.inclusion_timeout_seconds),
      blockTimeMs: ms(raw.chain.block_time_seconds),
    },
    rejectionBackoff: { initialMs: ms(raw.rejection_backoff.initial_seconds), maxMs: ms(raw.rejection_backoff.max_seconds) },
    commitReveal: { mode: raw.commit_reveal.mode },
    verify: raw.verify,
    stateDir: resolve(raw.state_dir),
  };
}

function decodeMasterKey(text: string): Uint8Array | null {
  try {
    if (isHex(text, 256)) return hexToU8a(text);
    const bytes = decodeAddress(text);
    return bytes.length === 32 ? bytes : null;
  } catch {
    return null;
  }
}

/**
 * `oneOf` failures under `hotkey` produce one error per branch plus the oneOf itself; an operator needs one
 * sentence about the hotkey, not three.
 */
function selectErrors(errors: ErrorObject[]): ErrorObject[] {
  const hotkeyOneOf = errors.find((e) => e.instancePath === '/hotkey' && e.keyword === 'oneOf');
  const kept = hotkeyOneOf ? errors.filter((e) => !e.instancePath.startsWith('/hotkey') || e === hotkeyOneOf) : errors;
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeSchemaError(error: ErrorObject, root: unknown): string {
  const field = fieldName(error.instancePath);
  const found = describeValue(valueAt(root, error.instancePath));
  switch (error.keyword) {
    case 'required':
      return `${joinField(field, (error.params as { missingProperty: string }).missingProperty)}: missing; expected it to be set`;
    case 'additionalProperties':
      return `${joinField(field, (error.params as { additionalProperty: string }).additionalProperty)}: unknown field; expected one of the documented fields (schemas/submitter-config.schema.json)`;
    case 'oneOf':
      if (error.instancePath === '/hotkey') {
        return 'hotkey: expected exactly one of {seed_file} or {keystore_file, password_file}';
      }
      return `${field || '(top level)'}: expected exactly one of the allowed forms; found ${found}`;
    case 'type':
      return `${field || '(top level)'}: expected ${(error.params as { type: string }).type}; found ${found}`;
    case 'enum':
      return `${field}: found ${found}; expected one of ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
    case 'pattern':
      return `${field}: found ${found}; expected ${patternHint(field)}`;
    case 'format':
      return `${field}: found ${found}; expected a ${(error.params as { format: string }).format}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${field}: found ${found}; expected a number ${error.message ?? ''}`.trimEnd();
    default:
      return `${field || '(top level)'}: found ${found}; expected it to ${error.message ?? 'match the schema'}`;
  }
}

function patternHint(field: string): string {
  if (field === 'chain_endpoint') return 'a ws:// or wss:// URL';
  if (field === 'weights_url') return 'an http:// or https:// URL';
  if (field === 'master_public_key') return '0x followed by 64 hex digits, or an SS58 address';
  return 'the documented format';
}

function fieldName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function joinField(parent: string, child: string): string {
  return parent ? `${parent}.${child}` : child;
}

function valueAt(root: unknown, pointer: string): unknown {
  let current: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
