import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AGENT_CHALLENGE_SIGNED_ROUTES } from '../../desired-state/signed-routes.ts';
import { DESIRED_YAML, desiredState, send, startTestMaster, startUpstream, type RecordingUpstream, type TestMaster } from './support.ts';

/** Three challenges: the agent challenge (its default), one declaring its own signed route, one declaring none. */
const YAML = `${DESIRED_YAML}  - slug: agent-challenge
    name: Agent
    image: 127.0.0.1:5000/agent:1.0.0
    status: active
    emission_percent: 10
  - slug: prover
    name: Prover
    image: 127.0.0.1:5000/prover:1.0.0
    status: active
    emission_percent: 10
    signed_routes:
      - { methods: [POST, PUT], path: "/proofs/{id}" }
`;

const SIGNATURE = ['X-Hotkey', '5Grw', 'X-Signature', '0xabc', 'X-Nonce', 'n-1', 'X-Timestamp', '1700000000'];
const SIGNATURE_NAMES = ['x-hotkey', 'x-signature', 'x-nonce', 'x-timestamp'];

/** Every concrete request of the agent challenge's default set: each method of each route, `{id}` as `42`. */
const AGENT_REQUESTS: Array<[string, string]> = AGENT_CHALLENGE_SIGNED_ROUTES.flatMap((route) =>
  route.methods.map((method): [string, string] => [method, route.path.replaceAll('{id}', '42')]),
);

let upstream: RecordingUpstream;
let master: TestMaster;
before(async () => {
  upstream = await startUpstream();
  const origins = Object.fromEntries(['alpha', 'agent-challenge', 'prover'].map((slug) => [slug, upstream.origin]));
  master = await startTestMaster({ desired: desiredState(YAML), upstreams: origins });
});
after(async () => {
  await master.close();
  await upstream.close();
});

/** Sends a signed request through the master's proxy; returns the signature headers the challenge received. */
async function signatureSeen(port: number, method: string, path: string): Promise<string[]> {
  const before = upstream.requests.length;
  const res = await send(port, path, { method, headers: [...SIGNATURE, 'Content-Length', '0'] });
  assert.equal(res.status, 200, `${method} ${path}`);
  assert.equal(upstream.requests.length, before + 1);
  const seen = upstream.requests.at(-1)!;
  return SIGNATURE_NAMES.filter((name) => seen.headers[name] !== undefined);
}

test('the agent challenge gets the four signature headers on each route of the reference set, values intact', async () => {
  assert.equal(AGENT_REQUESTS.length, 16);
  for (const [method, path] of AGENT_REQUESTS) {
    assert.deepEqual(await signatureSeen(master.port, method, `/challenges/agent-challenge${path}`), SIGNATURE_NAMES, `${method} ${path}`);
  }
  await signatureSeen(master.port, 'POST', '/challenges/agent-challenge/submissions/');
  const seen = upstream.requests.at(-1)!;
  assert.deepEqual([seen.headers['x-hotkey'], seen.headers['x-signature'], seen.headers['x-nonce'], seen.headers['x-timestamp']], ['5Grw', '0xabc', 'n-1', '1700000000']);
});

test('near misses of the agent challenge routes drop them: other methods, lengths, neighbours', async () => {
  const misses: Array<[string, string]> = [
    ['POST', '/submissions/42/env'],
    ['DELETE', '/submissions/42/env'],
    ['GET', '/submissions/42/env/confirm-empty'],
    ['GET', '/submissions/42/launch'],
    ['GET', '/submissions'],
    ['PUT', '/submissions'],
    ['POST', '/submissions/42'],
    ['POST', '/submissions/42/env/confirm-empty/x'],
    ['POST', '/x/submissions'],
    ['POST', '/other/42/launch'],
    ['GET', '/submissions/42/review/prepare'],
    ['POST', '/submissions/42/review/report'],
    ['POST', '/submissions/42/review/other'],
    ['POST', '/submissions/42/eval/status'],
    ['GET', '/submissions/42/status'],
    ['POST', '/SUBMISSIONS'],
  ];
  for (const [method, path] of misses) {
    assert.deepEqual(await signatureSeen(master.port, method, `/challenges/agent-challenge${path}`), [], `${method} ${path}`);
  }
});

test('the same path shapes on any other slug drop them; a challenge gets them only on the routes it declares', async () => {
  for (const slug of ['alpha', 'prover']) {
    for (const [method, path] of AGENT_REQUESTS) {
      assert.deepEqual(await signatureSeen(master.port, method, `/challenges/${slug}${path}`), [], `${slug}: ${method} ${path}`);
    }
  }
  assert.deepEqual(await signatureSeen(master.port, 'POST', '/challenges/prover/proofs/7'), SIGNATURE_NAMES);
  assert.deepEqual(await signatureSeen(master.port, 'PUT', '/challenges/prover/proofs/7'), SIGNATURE_NAMES);
  assert.deepEqual(await signatureSeen(master.port, 'GET', '/challenges/prover/proofs/7'), []);
  assert.deepEqual(await signatureSeen(master.port, 'POST', '/challenges/prover/proofs/7/x'), []);
  assert.deepEqual(await signatureSeen(master.port, 'POST', '/challenges/agent-challenge/proofs/7'), [], 'declared by prover only');
  assert.deepEqual(await signatureSeen(master.port, 'POST', '/challenges/alpha/proofs/7'), []);
});

test('signed_routes: [] on the agent challenge drops them on its default routes too', async () => {
  const none = await startTestMaster({
    desired: desiredState(YAML.replace('    emission_percent: 10\n  - slug: prover', '    emission_percent: 10\n    signed_routes: []\n  - slug: prover')),
    upstreams: { 'agent-challenge': upstream.origin },
  });
  try {
    for (const [method, path] of AGENT_REQUESTS) {
      assert.deepEqual(await signatureSeen(none.port, method, `/challenges/agent-challenge${path}`), [], `${method} ${path}`);
    }
  } finally {
    await none.close();
  }
});

test('a transport failure answers 503 on the agent challenge env and launch routes, 502 everywhere else, the same safe body', async () => {
  const dead = await startUpstream();
  const deadOrigin = dead.origin;
  await dead.close(); // nothing listens there any more: connection refused
  const down = await startTestMaster({ desired: desiredState(YAML), upstreams: { 'agent-challenge': deadOrigin, prover: deadOrigin } });
  try {
    const cases: Array<[string, string, number]> = [
      ['GET', '/challenges/agent-challenge/submissions/42/env', 503],
      ['PUT', '/challenges/agent-challenge/submissions/42/env', 503],
      ['POST', '/challenges/agent-challenge/submissions/42/env/confirm-empty', 503],
      ['POST', '/challenges/agent-challenge/submissions/42/launch', 503],
      ['POST', '/challenges/agent-challenge/submissions', 502],
      ['POST', '/challenges/agent-challenge/submissions/42/review/prepare', 502],
      ['GET', '/challenges/agent-challenge/leaderboard', 502],
      ['DELETE', '/challenges/agent-challenge/submissions/42/env', 502],
      ['GET', '/challenges/prover/submissions/42/env', 502],
      ['POST', '/challenges/prover/submissions/42/launch', 502],
    ];
    for (const [method, path, status] of cases) {
      const res = await send(down.port, path, { method, headers: ['Content-Length', '0'] });
      assert.equal(res.status, status, `${method} ${path}`);
      assert.deepEqual(JSON.parse(res.body), { detail: 'Challenge unavailable' }, `${method} ${path}`);
    }
  } finally {
    await down.close();
  }
});
