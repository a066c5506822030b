import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram } from '../main.ts';

const BASE = fileURLToPath(new URL('../../../bin/base.mjs', import.meta.url));
const run = promisify(execFile);

const commandNames = buildProgram().commands.map((c) => c.name());

test('the program has its top-level commands', () => {
  for (const name of ['apply', 'plan', 'serve', 'validate', 'weights', 'worker']) assert.ok(commandNames.includes(name), name);
});

for (const name of commandNames) {
  test(`base ${name} --help exits 0 and prints its usage line`, async () => {
    const { stdout, stderr } = await run(process.execPath, [BASE, name, '--help']);
    assert.match(stdout, new RegExp(`^Usage: base ${name} `));
    assert.equal(stderr, '');
  });
}
