/**
 * The reference broker's run request (`POST /v1/docker/run`, the reference SDK's `BrokerRunRequest`), parsed with
 * the reference's field names, defaults and bounds. A body the reference would answer 422 gets the same shape here:
 * FastAPI's `{"detail": [{type, loc, msg}]}`. Pure: no Docker, no HTTP.
 */

export interface BrokerMount {
  target: string;
  read_only: boolean;
  source_type: 'directory' | 'file';
  source_name: string;
  archive_b64: string;
}

export interface BrokerLimits {
  cpus: number;
  memory: string;
  memory_swap: string | null;
  pids_limit: number;
  gpu_count: number | null;
  network: string;
  read_only: boolean;
  user: string | null;
  tmpfs: string[];
  ulimits: string[];
  cap_drop: string[];
  security_opt: string[];
  init: boolean;
  privileged: boolean;
}

export interface BrokerRunRequest {
  job_id: string;
  task_id: string | null;
  image: string;
  image_pull_policy: 'Always' | 'IfNotPresent' | 'Never' | null;
  command: string[];
  workdir: string | null;
  env: Record<string, string>;
  labels: Record<string, string>;
  limits: BrokerLimits;
  mounts: BrokerMount[];
  timeout_seconds: number;
}

/** The reference's `BrokerLimits` defaults (what an SDK call that sets nothing sends). */
export const REFERENCE_LIMITS: Readonly<BrokerLimits> = Object.freeze({
  cpus: 2,
  memory: '4g',
  memory_swap: '4g',
  pids_limit: 512,
  gpu_count: null,
  network: 'none',
  read_only: true,
  user: null,
  tmpfs: ['/tmp:rw,noexec,nosuid,size=512m'],
  ulimits: ['nofile=1024:1024'],
  cap_drop: ['ALL'],
  security_opt: ['no-new-privileges'],
  init: true,
  privileged: false,
});
export const REFERENCE_TIMEOUT_SECONDS = 900;
export const MAX_TIMEOUT_SECONDS = 86_400;

export interface ValidationIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
}

export type ParsedRunRequest = { ok: true; request: BrokerRunRequest } | { ok: false; status: 422; detail: ValidationIssue[] };

type Dict = Record<string, unknown>;
const isDict = (value: unknown): value is Dict => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Reads a run request body (already JSON-decoded). Every violation is listed, as pydantic does. */
export function parseRunRequest(body: unknown): ParsedRunRequest {
  const issues: ValidationIssue[] = [];
  const issue = (loc: Array<string | number>, type: string, msg: string) => issues.push({ type, loc: ['body', ...loc], msg });
  if (!isDict(body)) {
    issue([], 'model_attributes_type', 'Input should be a valid dictionary or object to extract fields from');
    return { ok: false, status: 422, detail: issues };
  }
  const text = (key: string, value: unknown, min: number, max: number, loc: Array<string | number> = [key]): string | undefined => {
    if (typeof value !== 'string') {
      issue(loc, value === undefined ? 'missing' : 'string_type', value === undefined ? 'Field required' : 'Input should be a valid string');
      return undefined;
    }
    if (value.length < min) issue(loc, 'string_too_short', `String should have at least ${min} character${min === 1 ? '' : 's'}`);
    else if (value.length > max) issue(loc, 'string_too_long', `String should have at most ${max} characters`);
    return value;
  };
  const optionalText = (key: string, value: unknown, max: number): string | null | undefined =>
    value === undefined || value === null ? null : text(key, value, 0, max);
  const stringMap = (key: string, value: unknown): Record<string, string> => {
    if (value === undefined) return {};
    if (!isDict(value)) {
      issue([key], 'dict_type', 'Input should be a valid dictionary');
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') issue([key, k], 'string_type', 'Input should be a valid string');
      else out[k] = v;
    }
    return out;
  };

  const jobId = text('job_id', body.job_id, 1, 128);
  const taskId = optionalText('task_id', body.task_id, 256);
  const image = text('image', body.image, 1, 255);
  const pullPolicy = body.image_pull_policy ?? null;
  if (pullPolicy !== null && pullPolicy !== 'Always' && pullPolicy !== 'IfNotPresent' && pullPolicy !== 'Never') {
    issue(['image_pull_policy'], 'literal_error', "Input should be 'Always', 'IfNotPresent' or 'Never'");
  }
  let command: string[] = [];
  if (!Array.isArray(body.command)) issue(['command'], body.command === undefined ? 'missing' : 'list_type', body.command === undefined ? 'Field required' : 'Input should be a valid list');
  else if (body.command.length < 1) issue(['command'], 'too_short', 'List should have at least 1 item after validation, not 0');
  else {
    body.command.forEach((part, i) => {
      if (typeof part !== 'string') issue(['command', i], 'string_type', 'Input should be a valid string');
    });
    command = body.command.filter((part): part is string => typeof part === 'string');
  }
  const workdir = optionalText('workdir', body.workdir, 4096);
  const env = stringMap('env', body.env);
  const labels = stringMap('labels', body.labels);
  const limits = parseLimits(body.limits, issue);
  const mounts = parseMounts(body.mounts, issue);
  let timeout = REFERENCE_TIMEOUT_SECONDS;
  if (body.timeout_seconds !== undefined) {
    if (typeof body.timeout_seconds !== 'number' || !Number.isInteger(body.timeout_seconds)) issue(['timeout_seconds'], 'int_type', 'Input should be a valid integer');
    else if (body.timeout_seconds < 1) issue(['timeout_seconds'], 'greater_than_equal', 'Input should be greater than or equal to 1');
    else if (body.timeout_seconds > MAX_TIMEOUT_SECONDS) issue(['timeout_seconds'], 'less_than_equal', `Input should be less than or equal to ${MAX_TIMEOUT_SECONDS}`);
    else timeout = body.timeout_seconds;
  }
  if (issues.length > 0 || jobId === undefined || image === undefined || taskId === undefined || workdir === undefined) {
    return { ok: false, status: 422, detail: issues };
  }
  return {
    ok: true,
    request: {
      job_id: jobId,
      task_id: taskId,
      image,
      image_pull_policy: pullPolicy as BrokerRunRequest['image_pull_policy'],
      command,
      workdir,
      env,
      labels,
      limits,
      mounts,
      timeout_seconds: timeout,
    },
  };
}

type Issue = (loc: Array<string | number>, type: string, msg: string) => void;

function parseLimits(value: unknown, issue: Issue): BrokerLimits {
  const limits: BrokerLimits = { ...REFERENCE_LIMITS, tmpfs: [...REFERENCE_LIMITS.tmpfs], ulimits: [...REFERENCE_LIMITS.ulimits], cap_drop: [...REFERENCE_LIMITS.cap_drop], security_opt: [...REFERENCE_LIMITS.security_opt] };
  if (value === undefined) return limits;
  if (!isDict(value)) {
    issue(['limits'], 'model_type', 'Input should be a valid dictionary or instance of BrokerLimits');
    return limits;
  }
  const at = (key: string) => ['limits', key];
  if (value.cpus !== undefined) {
    if (typeof value.cpus !== 'number' || !Number.isFinite(value.cpus)) issue(at('cpus'), 'float_type', 'Input should be a valid number');
    else if (value.cpus <= 0) issue(at('cpus'), 'greater_than', 'Input should be greater than 0');
    else limits.cpus = value.cpus;
  }
  for (const key of ['memory', 'network'] as const) {
    if (value[key] === undefined) continue;
    if (typeof value[key] !== 'string') issue(at(key), 'string_type', 'Input should be a valid string');
    else limits[key] = value[key];
  }
  for (const key of ['memory_swap', 'user'] as const) {
    if (value[key] === undefined) continue;
    if (value[key] !== null && typeof value[key] !== 'string') issue(at(key), 'string_type', 'Input should be a valid string');
    else limits[key] = value[key];
  }
  if (value.pids_limit !== undefined) {
    if (typeof value.pids_limit !== 'number' || !Number.isInteger(value.pids_limit)) issue(at('pids_limit'), 'int_type', 'Input should be a valid integer');
    else if (value.pids_limit < 1) issue(at('pids_limit'), 'greater_than_equal', 'Input should be greater than or equal to 1');
    else limits.pids_limit = value.pids_limit;
  }
  if (value.gpu_count !== undefined && value.gpu_count !== null) {
    // The reference refuses 0 (strict int >= 1); 0 is accepted here as "no GPU" (a superset).
    if (typeof value.gpu_count !== 'number' || !Number.isInteger(value.gpu_count)) issue(at('gpu_count'), 'int_type', 'Input should be a valid integer');
    else if (value.gpu_count < 0) issue(at('gpu_count'), 'greater_than_equal', 'Input should be greater than or equal to 1');
    else limits.gpu_count = value.gpu_count === 0 ? null : value.gpu_count;
  }
  for (const key of ['read_only', 'init', 'privileged'] as const) {
    if (value[key] === undefined) continue;
    if (typeof value[key] !== 'boolean') issue(at(key), 'bool_type', 'Input should be a valid boolean');
    else limits[key] = value[key];
  }
  for (const key of ['tmpfs', 'ulimits', 'cap_drop', 'security_opt'] as const) {
    if (value[key] === undefined) continue;
    const list = value[key];
    if (!Array.isArray(list)) issue(at(key), 'list_type', 'Input should be a valid list');
    else if (list.some((item) => typeof item !== 'string')) issue(at(key), 'string_type', 'Input should be a valid string');
    else limits[key] = list as string[];
  }
  return limits;
}

function parseMounts(value: unknown, issue: Issue): BrokerMount[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issue(['mounts'], 'list_type', 'Input should be a valid list');
    return [];
  }
  const mounts: BrokerMount[] = [];
  value.forEach((item, index) => {
    if (!isDict(item)) {
      issue(['mounts', index], 'model_type', 'Input should be a valid dictionary or instance of BrokerMount');
      return;
    }
    const target = item.target;
    const archive = item.archive_b64;
    const sourceType = item.source_type ?? 'directory';
    if (typeof target !== 'string' || target.length < 1) issue(['mounts', index, 'target'], target === undefined ? 'missing' : 'string_too_short', target === undefined ? 'Field required' : 'String should have at least 1 character');
    if (typeof archive !== 'string' || archive.length < 1) issue(['mounts', index, 'archive_b64'], archive === undefined ? 'missing' : 'string_too_short', archive === undefined ? 'Field required' : 'String should have at least 1 character');
    if (sourceType !== 'directory' && sourceType !== 'file') issue(['mounts', index, 'source_type'], 'literal_error', "Input should be 'directory' or 'file'");
    if (typeof target === 'string' && typeof archive === 'string') {
      mounts.push({
        target,
        archive_b64: archive,
        read_only: item.read_only === undefined ? true : item.read_only === true,
        source_type: sourceType === 'file' ? 'file' : 'directory',
        source_name: typeof item.source_name === 'string' ? item.source_name : '.',
      });
    }
  });
  return mounts;
}
