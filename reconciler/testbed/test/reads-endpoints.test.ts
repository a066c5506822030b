import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readTestbedEndpoints } from '../endpoints.ts';

const dir = mkdtempSync(join(tmpdir(), 'base-endpoints-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const valid = {
  stateDir: '/var/lib/base-testbed',
  docker: { socket: '/var/run/docker.sock', host: 'unix:///var/run/docker.sock', apiVersion: '1.41', engineVersion: '20.10.24' },
  swarm: { advertiseAddr: '10.213.0.1', joinAddr: '10.213.0.1:2377', managerNodeId: 'abc' },
  registry: { address: '127.0.0.1:5000', url: 'http://127.0.0.1:5000' },
  database: { url: 'postgres://u:p@127.0.0.1:5432/d', host: '127.0.0.1', port: 5432, database: 'd', user: 'u', passwordFile: '/x' },
  baseImage: { ref: 'base/node-runtime:20.20.2', id: 'sha256:1', nodeVersion: '20.20.2', registryRef: 'r@sha256:2', digest: 'sha256:2' },
  bridge: { name: 'base-br0', address: '10.213.0.1', cidr: '10.213.0.0/24' },
  workers: [{ hostname: 'worker-cpu-1', socket: '/s', dockerHost: 'unix:///s', address: '10.213.0.11', namespace: 'n', nodeId: 'w1' }],
};

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('reads a complete endpoints file into typed fields', () => {
  const endpoints = readTestbedEndpoints(write('ok.json', JSON.stringify(valid)));
  assert.deepEqual(endpoints, valid);
  assert.equal(endpoints.workers[0]?.hostname, 'worker-cpu-1');
});

test('a missing file tells to run make testbed-up', () => {
  assert.throws(() => readTestbedEndpoints(join(dir, 'absent.json')), /absent\.json: not found; the test bed is not up\. Run `make testbed-up`/);
});

test('a file that is not JSON names the file', () => {
  assert.throws(() => readTestbedEndpoints(write('bad.json', '{')), /bad\.json: not valid JSON/);
});

test('a missing or mistyped field is named with what was expected', () => {
  const noRegistry = { ...valid, registry: { address: '127.0.0.1:5000' } };
  assert.throws(() => readTestbedEndpoints(write('r.json', JSON.stringify(noRegistry))), /field registry\.url: expected a non-empty string, found undefined/);
  const badPort = { ...valid, database: { ...valid.database, port: '5432' } };
  assert.throws(() => readTestbedEndpoints(write('p.json', JSON.stringify(badPort))), /field database\.port: expected an integer, found "5432"/);
  const badWorker = { ...valid, workers: [{ ...valid.workers[0], nodeId: 7 }] };
  assert.throws(() => readTestbedEndpoints(write('w.json', JSON.stringify(badWorker))), /field workers\[0\]\.nodeId: expected a non-empty string, found 7/);
});
