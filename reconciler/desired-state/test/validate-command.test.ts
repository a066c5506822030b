import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALPHA, withChallenges } from './documents.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'base-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function base(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/base.mjs', ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const bad = join(dir, 'bad.yaml');
writeFileSync(
  bad,
  withChallenges(ALPHA.replace('status: active', 'status: paused').replace('emission_percent: 10', 'emission_percent: -1')),
);

test('base validate with no argument checks desired-state/subnet.yaml: exit 0 and one OK line', async () => {
  const run = await base('validate');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^desired-state\/subnet\.yaml: OK \(subnet base, netuid 100, production; 2 challenges, 2 networks, 2 workers\)\n$/);
  assert.equal(run.stderr, '');
});

test('an invalid file: exit 1, every problem as FILE:LINE:COL: message on stderr, sorted by position', async () => {
  const run = await base('validate', bad);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.equal(
    run.stderr,
    `${bad}:16:13: challenges[0].status: found "paused", expected one of active, inactive, draft\n` +
      `${bad}:17:23: challenges[0].emission_percent: found -1, expected a number >= 0 (a share of 100)\n`,
  );
});

test('--json prints file, valid and the problems on stdout', async () => {
  const run = await base('validate', '--json', bad);
  assert.equal(run.code, 1);
  const report = JSON.parse(run.stdout) as { file: string; valid: boolean; problems: { line: number; column: number; rule: string; path: string }[] };
  assert.equal(report.file, bad);
  assert.equal(report.valid, false);
  assert.deepEqual(
    report.problems.map((p) => [p.line, p.column, p.rule, p.path]),
    [
      [16, 13, 'schema.enum', 'challenges[0].status'],
      [17, 23, 'emission-percent', 'challenges[0].emission_percent'],
    ],
  );
});

test('--json on a valid file says valid with no problems', async () => {
  const run = await base('validate', 'desired-state/examples/minimal.yaml', '--json');
  assert.equal(run.code, 0);
  assert.deepEqual(JSON.parse(run.stdout), { file: 'desired-state/examples/minimal.yaml', valid: true, problems: [] });
});

test('a missing file is a clear error with exit 1', async () => {
  const missing = join(dir, 'nope.yaml');
  const run = await base('validate', missing);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `error: ${missing}: file not found\n`);
  const json = await base('validate', '--json', missing);
  assert.equal(json.code, 1);
  assert.equal((JSON.parse(json.stdout) as { problems: { rule: string }[] }).problems[0]?.rule, 'file.unreadable');
});

test('validate --help explains the arguments and exit codes', async () => {
  const run = await base('validate', '--help');
  assert.equal(run.code, 0);
  assert.match(run.stdout, /Usage: base validate \[options\] \[file\]/);
  assert.match(run.stdout, /--json/);
  assert.match(run.stdout, /Exit status: 0 when the file is valid, 1/);
});
