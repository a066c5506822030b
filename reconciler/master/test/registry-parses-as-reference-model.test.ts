/**
 * `/v1/registry` parses with the reference platform's `RegistryResponse` model: every per-challenge field is present
 * and has the reference's type, for every example desired state of the project; and the body matches
 * schemas/registry.schema.json, which refuses each field type a reference client would reject.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import registrySchema from '../../../schemas/registry.schema.json' with { type: 'json' };
import { parseDesiredState, requireValid, type SubnetDesiredState } from '../../desired-state/index.ts';
import type { ProbeResult } from '../probes.ts';
import { buildRegistry, registryVersion, type RegistryDocument } from '../registry.ts';
import { DESIRED_YAML } from './support.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(registrySchema);

/** Every desired state the project ships or its tests use (examples, demo, plan fixture, master test fixture). */
function exampleStates(): Array<{ name: string; state: SubnetDesiredState }> {
  const files = [
    'desired-state/subnet.yaml',
    ...readdirSync(`${root}desired-state/examples`).filter((n) => n.endsWith('.yaml')).sort().map((n) => `desired-state/examples/${n}`),
    'deploy/demo/subnet.yaml',
    'reconciler/plan/test/fixtures/converged.yaml',
  ];
  const states = files.map((name) => ({ name, state: requireValid(parseDesiredState(readFileSync(`${root}${name}`, 'utf8'), name)) }));
  states.push({ name: 'reconciler/master/test/support.ts DESIRED_YAML', state: requireValid(parseDesiredState(DESIRED_YAML, 'support.yaml')) });
  return states;
}

const probe: ProbeResult = { ok: false, checkedAt: '2026-01-01T00:00:00.000Z', healthStatus: 503, versionStatus: 0, version: null, error: 'HTTP 503', durationMs: 4 };

function registryOf(state: SubnetDesiredState): RegistryDocument {
  const first = state.challenges.find((c) => c.status === 'active')?.slug ?? '';
  return buildRegistry({
    desired: state,
    revision: 'r1',
    appliedAt: '2026-01-01T00:00:00.000Z',
    signingKey: { publicKey: `0x${'ab'.repeat(32)}`, ss58: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' },
    tasks: new Map([[first, { running: 1, desired: 1 }]]),
    probes: new Map([[first, probe]]),
    now: new Date('2026-01-01T00:00:05.000Z'),
  });
}

/** The reference model's field types, as pydantic (lax mode) accepts them from JSON. */
type RefType = 'str' | 'int' | 'decimal' | 'status' | 'optional-str' | 'dict-any' | 'dict-str' | 'list-str' | 'list';
const REFERENCE_TOP: Record<string, RefType> = { network: 'str', api_version: 'str', master_uid: 'int', challenges: 'list' };
const REFERENCE_CHALLENGE: Record<string, RefType> = {
  slug: 'str',
  name: 'str',
  image: 'str',
  version: 'str',
  emission_percent: 'decimal',
  status: 'status',
  description: 'optional-str',
  metadata: 'dict-any',
  internal_base_url: 'str',
  public_proxy_base_path: 'str',
  required_capabilities: 'list-str',
  resources: 'dict-str',
  volumes: 'dict-str',
  env: 'dict-str',
  secrets: 'list-str',
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ACCEPTS: Record<RefType, (v: unknown) => boolean> = {
  str: (v) => typeof v === 'string',
  int: (v) => Number.isInteger(v),
  // pydantic's Decimal takes a number or a numeric string; the reference serves (and we keep) a plain decimal string.
  decimal: (v) => typeof v === 'string' && /^(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(v),
  status: (v) => v === 'active' || v === 'inactive' || v === 'disabled' || v === 'draft',
  'optional-str': (v) => v === null || typeof v === 'string',
  'dict-any': isObject,
  'dict-str': (v) => isObject(v) && Object.values(v).every((x) => typeof x === 'string'),
  'list-str': (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  list: Array.isArray,
};

/** What a reference client refuses, as `path: problem` lines (empty when the body parses). */
function referenceProblems(body: unknown): string[] {
  const problems: string[] = [];
  const check = (where: string, object: unknown, fields: Record<string, RefType>): void => {
    if (!isObject(object)) return void problems.push(`${where}: not an object`);
    for (const [field, type] of Object.entries(fields)) {
      if (!(field in object)) problems.push(`${where}.${field}: missing`);
      else if (!ACCEPTS[type](object[field])) problems.push(`${where}.${field}: expected ${type}, found ${JSON.stringify(object[field])}`);
    }
  };
  check('$', body, REFERENCE_TOP);
  const challenges = isObject(body) && Array.isArray(body.challenges) ? body.challenges : [];
  challenges.forEach((c, i) => check(`$.challenges[${i}]`, c, REFERENCE_CHALLENGE));
  return problems;
}

const examples = exampleStates();

test('there are example desired states with active and inactive challenges to check', () => {
  assert.ok(examples.length >= 7, `found ${examples.length}`);
  const statuses = new Set(examples.flatMap((e) => registryOf(e.state).challenges.map((c) => c.status)));
  assert.deepEqual([...statuses].sort(), ['active', 'inactive']);
});

for (const { name, state } of examples) {
  test(`${name}: the registry body matches schemas/registry.schema.json and parses as the reference model`, () => {
    const body = JSON.parse(JSON.stringify(registryOf(state))) as unknown;
    assert.equal(validate(body), true, JSON.stringify(validate.errors));
    assert.deepEqual(referenceProblems(body), []);
  });
}

test('the top level: network is subnet.name, api_version "1.0", master_uid the burn uid', () => {
  const doc = registryOf(requireValid(parseDesiredState(DESIRED_YAML, 'support.yaml')));
  assert.equal(doc.network, 'testnet');
  assert.equal(doc.api_version, '1.0');
  assert.equal(doc.master_uid, 3);
});

test('per challenge: overlay URL with the port, data volume → /data, env and secrets served empty, default capabilities', () => {
  const doc = registryOf(requireValid(parseDesiredState(DESIRED_YAML, 'support.yaml')));
  const [alpha, beta] = doc.challenges;
  assert.equal(alpha?.internal_base_url, 'http://challenge-alpha:8000');
  assert.deepEqual(alpha?.volumes, { 'challenge-alpha-data': '/data' });
  assert.deepEqual(alpha?.env, {}, 'alpha has env in the desired state; none is published');
  assert.deepEqual(alpha?.secrets, [], 'alpha has secrets in the desired state; none is published');
  assert.deepEqual(alpha?.required_capabilities, ['gpu'], 'declared capabilities are served as declared');
  assert.deepEqual(beta?.required_capabilities, ['get_weights', 'proxy_routes'], 'none declared: the reference default');
  assert.deepEqual(alpha?.resources, { cpus: '1.5', memory: '512M', pids: '128' }, 'every resource value a string');
  const custom = structuredClone(requireValid(parseDesiredState(DESIRED_YAML, 'support.yaml')));
  custom.challenges[0]!.port = 9123;
  assert.equal(registryOf(custom).challenges[0]?.internal_base_url, 'http://challenge-alpha:9123');
});

test('version is always a string: declared, else the image tag, else the digest, else latest', () => {
  const digest = `sha256:${'0'.repeat(64)}`;
  assert.equal(registryVersion({ version: '2.1.0', image: 'r.example/x:1.0.0' }), '2.1.0');
  assert.equal(registryVersion({ image: 'r.example/x:1.0.0' }), '1.0.0');
  assert.equal(registryVersion({ image: `r.example/x:1.0.0@${digest}` }), '1.0.0');
  assert.equal(registryVersion({ image: `127.0.0.1:5000/x@${digest}` }), digest);
  assert.equal(registryVersion({ image: '127.0.0.1:5000/x' }), 'latest');
  const doc = registryOf(requireValid(parseDesiredState(DESIRED_YAML, 'support.yaml')));
  assert.equal(doc.challenges[1]?.version, '2.0.0', 'beta declares no version: its image tag');
});

test('numeric resources are decimal strings, never exponent notation', () => {
  const state = structuredClone(requireValid(parseDesiredState(DESIRED_YAML, 'support.yaml')));
  state.challenges[0]!.resources = { cpus: 0.0000005, memory: 536870912, gpus: 1 };
  assert.deepEqual(registryOf(state).challenges[0]?.resources, { cpus: '0.0000005', memory: '536870912', gpus: '1' });
});

/** One case per field type: a body a reference client would refuse is refused by the schema too. */
const BROKEN: Array<[string, (c: Record<string, unknown>, top: Record<string, unknown>) => void]> = [
  ['version null (str)', (c) => void (c.version = null)],
  ['emission_percent a number (decimal string)', (c) => void (c.emission_percent = 12.5)],
  ['emission_percent in exponent notation', (c) => void (c.emission_percent = '1e-7')],
  ['status outside the enum', (c) => void (c.status = 'draft-ish')],
  ['description a number (str | None)', (c) => void (c.description = 5)],
  ['metadata a list (dict)', (c) => void (c.metadata = [])],
  ['internal_base_url missing', (c) => void delete c.internal_base_url],
  ['required_capabilities with a number (list[str])', (c) => void (c.required_capabilities = ['get_weights', 1])],
  ['resources with a number value (dict[str, str])', (c) => void (c.resources = { pids: 128 })],
  ['volumes with a number value (dict[str, str])', (c) => void (c.volumes = { data: 1 })],
  ['env not empty', (c) => void (c.env = { LOG_LEVEL: 'debug' })],
  ['secrets not empty', (c) => void (c.secrets = ['judge-token'])],
  ['secrets missing', (c) => void delete c.secrets],
  ['api_version "1"', (_c, top) => void (top.api_version = '1')],
  ['master_uid a string (int)', (_c, top) => void (top.master_uid = '0')],
  ['an unknown top-level field', (_c, top) => void (top.admin_token = 'x')],
];

for (const [label, breakIt] of BROKEN) {
  test(`the schema refuses a registry body with ${label}`, () => {
    const body = JSON.parse(JSON.stringify(registryOf(requireValid(parseDesiredState(DESIRED_YAML, 'support.yaml'))))) as Record<string, unknown>;
    const challenge = (body.challenges as Array<Record<string, unknown>>)[0]!;
    assert.equal(validate(body), true, 'the unbroken body is valid');
    breakIt(challenge, body);
    assert.equal(validate(body), false, `${label} was accepted`);
  });
}

test('the reference field checker itself refuses the same type errors (it is not vacuous)', () => {
  const body = JSON.parse(JSON.stringify(registryOf(requireValid(parseDesiredState(DESIRED_YAML, 'support.yaml'))))) as Record<string, unknown>;
  const challenge = (body.challenges as Array<Record<string, unknown>>)[0]!;
  challenge.resources = { pids: 128 };
  challenge.version = null;
  delete challenge.volumes;
  assert.deepEqual(referenceProblems(body), [
    '$.challenges[0].version: expected str, found null',
    '$.challenges[0].resources: expected dict-str, found {"pids":128}',
    '$.challenges[0].volumes: missing',
  ]);
});
