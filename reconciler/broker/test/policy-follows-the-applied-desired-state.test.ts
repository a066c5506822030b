import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { policyFromFiles, readTokenHashes } from '../policy-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'broker-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const EXAMPLE = readFileSync(new URL('../../../desired-state/examples/broker-jobs.yaml', import.meta.url), 'utf8');
const HASH = 'a'.repeat(64);

function files(desired: string, hashes: unknown = { prism: HASH }) {
  const desiredFile = join(dir, `subnet-${Math.random().toString(36).slice(2)}.yaml`);
  const hashesFile = join(dir, `hashes-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(desiredFile, desired);
  writeFileSync(hashesFile, JSON.stringify(hashes));
  return { desiredFile, hashesFile };
}

/** Rewrites a file and moves its mtime forward, so a change within the same millisecond is still seen. */
function rewrite(file: string, text: string, secondsAhead: number) {
  writeFileSync(file, text);
  const when = new Date(Date.now() + secondsAhead * 1000);
  utimesSync(file, when, when);
}

test('the policy holds each active grant with its defaults, the broker caps and datasets, and only token hashes', () => {
  const { desiredFile, hashesFile } = files(EXAMPLE);
  const policy = policyFromFiles(desiredFile, hashesFile)();
  assert.deepEqual([...policy.grants.keys()].sort(), ['agent-challenge', 'prism']);
  assert.deepEqual([policy.grants.get('prism')?.max_concurrent, policy.grants.get('prism')?.per_job.max_memory, policy.grants.get('agent-challenge')?.network], [4, '32g', 'egress']);
  assert.deepEqual(policy.global, { max_concurrent: 32, max_concurrent_gpus: 2 });
  assert.deepEqual(policy.defaults, { user: '65534:65534', queue_timeout_seconds: 600, stop_grace_seconds: 5 });
  assert.deepEqual([...policy.datasets], [['fineweb-edu-train', { version: '2026-06-19', path: '/srv/base/datasets/fineweb-edu-train' }]]);
  assert.equal(policy.production, true);
  assert.deepEqual([...policy.tokenHashes], [['prism', HASH]]);
  assert.match(policy.revision, /^[0-9a-f]{12}$/);
});

test('an applied change is picked up without a restart; a broken file keeps the last good policy and warns once', () => {
  const { desiredFile, hashesFile } = files(EXAMPLE);
  const warnings: string[] = [];
  const policy = policyFromFiles(desiredFile, hashesFile, (m) => warnings.push(m));
  assert.equal(policy().grants.get('prism')?.max_concurrent, 4);
  rewrite(desiredFile, EXAMPLE.replace('      max_concurrent: 4\n', '      max_concurrent: 2\n'), 5);
  assert.equal(policy().grants.get('prism')?.max_concurrent, 2);
  rewrite(desiredFile, EXAMPLE.replace('      max_concurrent: 4\n', '      max_concurrent: many\n'), 10);
  assert.equal(policy().grants.get('prism')?.max_concurrent, 2);
  assert.equal(policy().grants.get('prism')?.max_concurrent, 2);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /^broker: keeping the last good policy: .*subnet-.*\.yaml:\d+:\d+: /);
});

test('an inactive challenge has no grant; a token hash file with a bad entry is refused with its slug named', () => {
  const { desiredFile, hashesFile } = files(EXAMPLE.replace('    emission_percent: 30\n', '    emission_percent: 30\n').replace(/(slug: agent-challenge\n(?:.*\n){2})    status: active/, '$1    status: inactive'));
  assert.deepEqual([...policyFromFiles(desiredFile, hashesFile)().grants.keys()], ['prism']);
  const bad = files(EXAMPLE, { prism: 'not-a-hash' });
  assert.throws(() => readTokenHashes(bad.hashesFile), /the hash of "prism" is not 64 lower-case hex characters/);
});
