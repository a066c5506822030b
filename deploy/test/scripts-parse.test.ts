import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DEPLOY } from './support.ts';

async function shellScripts(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await shellScripts(full)));
    else if (entry.name.endsWith('.sh')) found.push(full);
  }
  return found.sort();
}

test('every shell script under deploy/ parses (bash -n)', async () => {
  const scripts = await shellScripts(DEPLOY);
  for (const expected of ['install-manager.sh', 'install-worker.sh', 'testbed/testbed.sh']) {
    assert.ok(scripts.includes(path.join(DEPLOY, expected)), `${expected} is among the checked scripts`);
  }
  for (const script of scripts) {
    const result = await execa('bash', ['-n', script], { reject: false });
    assert.equal(result.exitCode, 0, `bash -n ${path.relative(DEPLOY, script)}: ${result.stderr}`);
  }
});

test('the installers pass shellcheck when it is installed', async (t) => {
  const which = await execa('sh', ['-c', 'command -v shellcheck'], { reject: false });
  if (which.exitCode !== 0) return t.skip('shellcheck is not installed');
  const result = await execa('shellcheck', [path.join(DEPLOY, 'install-manager.sh'), path.join(DEPLOY, 'install-worker.sh')], { reject: false });
  assert.equal(result.exitCode, 0, result.stdout);
});
