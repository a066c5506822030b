import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseDesiredState } from '../../desired-state/index.ts';
import { createChallenge, CreateChallengeError } from '../create.ts';
import { TEMPLATE_DIR } from '../template.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'challenge-create-'));
after(() => rmSync(work, { recursive: true, force: true }));

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

test('create writes every template file with the slug and name replaced, and nothing of the template slug left', async () => {
  const out = join(work, 'repos', 'speed-quiz');
  const created = await createChallenge({ slug: 'speed-quiz', out, name: 'Speed Quiz' });
  assert.equal(created.dir, resolve(out));
  const written = listFiles(out).sort();
  assert.deepEqual(written, [...created.files].sort());
  for (const required of ['Dockerfile', 'package.json', 'tsconfig.json', '.github/workflows/ci.yml', 'src/app.ts', 'src/main.ts', 'scripts/build.mjs', '.gitignore']) {
    assert.ok(written.includes(required), `${required} missing`);
  }
  assert.ok(written.some((f) => /^test\/.+\.test\.ts$/.test(f)), 'the generated repo has its own tests');
  for (const file of written) {
    const text = readFileSync(join(out, file), 'utf8');
    assert.ok(!text.includes('example-challenge') && !text.includes('Example Challenge'), `${file} still names the template`);
  }
  assert.match(readFileSync(join(out, 'src/identity.ts'), 'utf8'), /CHALLENGE_SLUG = 'speed-quiz'/);
  assert.match(readFileSync(join(out, 'src/identity.ts'), 'utf8'), /CHALLENGE_NAME = 'Speed Quiz'/);
  assert.equal(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')).name, 'challenge-speed-quiz');
  assert.ok(!written.some((f) => f.startsWith('node_modules/') || f.startsWith('dist/')));
  assert.equal(statSync(join(out, 'Dockerfile')).mode & 0o777, statSync(join(TEMPLATE_DIR, 'Dockerfile')).mode & 0o777);
});

test('the printed subnet.yaml entry is valid YAML that makes a valid desired state', async () => {
  const created = await createChallenge({ slug: 'stanza-check', out: join(work, 'stanza-check'), imageRepository: '127.0.0.1:5000/base/challenge-stanza-check' });
  const [entry] = parse(created.stanza) as Array<Record<string, unknown>>;
  assert.deepEqual(entry, {
    slug: 'stanza-check',
    name: 'Stanza Check',
    image: '127.0.0.1:5000/base/challenge-stanza-check:0.1.0',
    version: '0.1.0',
    status: 'active',
    emission_percent: 10,
  });
  const file = `version: 1
subnet: {name: t, netuid: 2, environment: development, chain_endpoint: ws://127.0.0.1:9944, epoch_interval_seconds: 12}
master: {image: 127.0.0.1:5000/base/master:latest}
networks:
  - name: t-net
challenges:
${created.stanza}`;
  const result = parseDesiredState(file, 'stanza.yaml');
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
});

test('an existing folder is refused and left exactly as it was', async () => {
  const out = join(work, 'taken');
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'mine');
  await assert.rejects(createChallenge({ slug: 'taken-slug', out }), (e: Error) => e instanceof CreateChallengeError && /already exists/.test(e.message));
  assert.deepEqual(readdirSync(out), ['keep.txt']);
  assert.equal(readFileSync(join(out, 'keep.txt'), 'utf8'), 'mine');
});

test('invalid slugs, names and image repositories are refused before anything is written', async () => {
  for (const slug of ['Bad', 'a', '-lead', 'trail-', 'under_score', 'x'.repeat(49)]) {
    const out = join(work, `bad-${slug.length}-${slug.replace(/[^a-z]/gi, '')}`);
    await assert.rejects(createChallenge({ slug, out }), (e: Error) => e instanceof CreateChallengeError && e.message.startsWith('slug:'), slug);
    assert.equal(existsSync(out), false, slug);
  }
  for (const name of ["It's", 'a"b', '', ' padded', 'x'.repeat(129), 'dollar $HOME']) {
    await assert.rejects(createChallenge({ slug: 'good-slug', out: join(work, 'bad-name'), name }), /--name/);
  }
  await assert.rejects(createChallenge({ slug: 'good-slug', out: join(work, 'bad-image'), imageRepository: 'ghcr.io/acme/x:1.0' }), /--image/);
  assert.equal(existsSync(join(work, 'bad-name')), false);
  assert.equal(existsSync(join(work, 'bad-image')), false);
});

test('the generated repository passes its own tests', { timeout: 120_000 }, async () => {
  const out = join(work, 'own-tests');
  await createChallenge({ slug: 'own-tests', out });
  // A real checkout would `npm ci`; the same packages are in this repository's node_modules.
  symlinkSync(resolve('node_modules'), join(out, 'node_modules'), 'dir');
  const tests = readdirSync(join(out, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`);
  // Without NODE_TEST_CONTEXT the nested runner reports as a top-level one (TAP on stdout).
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...tests], { cwd: out, env });
  assert.match(stdout, /# fail 0/);
  assert.match(stdout, /# pass [1-9]/);
});
