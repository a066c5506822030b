import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ImageRef } from '../../desired-state/image-ref.ts';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { renderImageReportJson, renderImageReportMarkdown, renderImageReportText } from '../../render/image-report.ts';
import { checkImages, ImagesError, type RegistryReader } from '../check.ts';
import { updateImages } from '../update.ts';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const dir = mkdtempSync(join(tmpdir(), 'images-update-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A registry in memory: tags per repository, a digest per repository:tag; counts the questions asked. */
function fakeRegistry(tags: Record<string, string[]>, digests: Record<string, string>): RegistryReader & { asked: string[] } {
  const asked: string[] = [];
  const name = (ref: ImageRef) => `${ref.registry ? `${ref.registry}/` : ''}${ref.repository}`;
  return {
    asked,
    async listTags(ref) {
      asked.push(`tags ${name(ref)}`);
      const list = tags[name(ref)];
      if (!list) throw new Error(`${name(ref)} not found (HTTP 404)`);
      return list;
    },
    async resolveDigest(ref) {
      asked.push(`digest ${name(ref)}:${ref.tag}`);
      const digest = digests[`${name(ref)}:${ref.tag}`];
      if (!digest) throw new Error(`${name(ref)}:${ref.tag} not found (HTTP 404): push the image first`);
      return digest;
    },
  };
}

const TEXT = `# The subnet.
version: 1
subnet:
  name: t
  netuid: 1
  environment: development
  chain_endpoint: ws://127.0.0.1:9944
  epoch_interval_seconds: 60
master:
  image: reg.example/base/master:latest@${D('a')}   # follows latest
  update: { channel: latest }
networks:
  - name: net-a
challenges:
  - slug: alpha
    name: Alpha
    image: "reg.example/base/alpha:2.3.0@${D('c')}"
    status: active
    emission_percent: 10
    update:
      semver: ^2.3     # minor and patch releases
  - slug: beta
    name: Beta
    image: reg.example/base/beta:1.0.0
    status: active
    emission_percent: 10
  - slug: gamma
    name: Gamma
    image: reg.example/base/gamma:1.0.0@${D('e')}
    status: active
    emission_percent: 10
    update: { semver: "1.x", mode: pull-request }
broker:
  image: reg.example/base/broker:latest
  update: { channel: latest }
`;

const registry = () =>
  fakeRegistry(
    { 'reg.example/base/alpha': ['2.3.0', '2.4.0', '3.0.0', 'latest'], 'reg.example/base/gamma': ['1.0.0', '1.1.0'] },
    {
      'reg.example/base/master:latest': D('b'),
      'reg.example/base/alpha:2.4.0': D('d'),
      'reg.example/base/gamma:1.1.0': D('f'),
      'reg.example/base/broker:latest': D('9'),
    },
  );

test('check reports each image with a policy, old and new, in file order; the renderers show them', async () => {
  const fake = registry();
  const { report } = await checkImages(TEXT, 'subnet.yaml', requireValid(parseDesiredState(TEXT, 'subnet.yaml')), fake);
  assert.equal(report.format_version, 1);
  assert.equal(report.updates, 4);
  assert.deepEqual(
    report.images.map((c) => [c.path, c.line, c.column, c.action, c.to, c.mode]),
    [
      ['master.image', 10, 10, 'update', `reg.example/base/master:latest@${D('b')}`, 'commit'],
      ['challenges[0].image', 17, 12, 'update', `reg.example/base/alpha:2.4.0@${D('d')}`, 'commit'],
      ['challenges[2].image', 29, 12, 'update', `reg.example/base/gamma:1.1.0@${D('f')}`, 'pull-request'],
      ['broker.image', 34, 10, 'update', `reg.example/base/broker:latest@${D('9')}`, 'commit'],
    ],
  );
  // The channel needs no tag list; beta (no policy) is never asked about.
  assert.deepEqual(fake.asked.filter((q) => q.startsWith('tags')).sort(), ['tags reg.example/base/alpha', 'tags reg.example/base/gamma']);
  assert.ok(!fake.asked.some((q) => q.includes('beta')));

  const text = renderImageReportText(report, { color: false });
  assert.match(text, /^~ master\.image \(channel latest, mode commit\) subnet\.yaml:10:10\n/);
  assert.match(text, /  -> reg\.example\/base\/alpha:2\.4\.0@sha256:d{64}\n    tag 2\.3\.0 -> 2\.4\.0, digest sha256:cccccccccccc -> sha256:dddddddddddd\n/);
  assert.match(text, /\n4 image updates, 0 current\.\n$/);
  assert.deepEqual(JSON.parse(renderImageReportJson(report)), JSON.parse(JSON.stringify(report)));
  const markdown = renderImageReportMarkdown(report, { title: 'subnet.yaml' });
  assert.match(markdown, /^### Base images: subnet\.yaml\n\n\*\*4 image updates, 0 current\.\*\*\n/);
  assert.match(markdown, /\| `challenges\[0\]\.image` \| semver \^2\.3 \| commit \| 2\.3\.0 -> 2\.4\.0 \| `sha256:cccccccccccc` → `sha256:dddddddddddd` \|/);
});

test('check fails naming every image it cannot resolve, by position', async () => {
  const fake = fakeRegistry({ 'reg.example/base/alpha': ['1.0.0'] }, {});
  const state = requireValid(parseDesiredState(TEXT, 'subnet.yaml'));
  await assert.rejects(checkImages(TEXT, 'subnet.yaml', state, fake), (error: Error) => {
    assert.ok(error instanceof ImagesError);
    assert.match(error.message, /^cannot check the images; nothing written:\n/);
    assert.match(error.message, /subnet\.yaml:10:10: master\.image: reg\.example\/base\/master:latest not found \(HTTP 404\)/);
    assert.match(error.message, /subnet\.yaml:17:12: challenges\[0\]\.image: reg\.example\/base\/alpha: no tag satisfies \^2\.3 \(the registry has SemVer tags 1\.0\.0\)/);
    assert.match(error.message, /subnet\.yaml:29:12: challenges\[2\]\.image: reg\.example\/base\/gamma not found/);
    return true;
  });
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

function repoWith(text: string): { repo: string; file: string } {
  const repo = mkdtempSync(join(dir, 'repo-'));
  git(repo, 'init', '--quiet', '--initial-branch=main');
  git(repo, 'config', 'user.name', 'Test');
  git(repo, 'config', 'user.email', 'test@example.invalid');
  const file = join(repo, 'subnet.yaml');
  writeFileSync(file, text);
  writeFileSync(join(repo, 'other.txt'), 'one\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '--quiet', '-m', 'initial');
  return { repo, file };
}

test('update rewrites only the commit-mode image values and commits exactly that, naming old and new references', async () => {
  const { repo, file } = repoWith(TEXT);
  // Something else staged must not ride along in the image commit.
  writeFileSync(join(repo, 'other.txt'), 'two\n');
  git(repo, 'add', 'other.txt');

  const result = await updateImages(file, registry());
  assert.deepEqual(result.applied.map((c) => c.path), ['master.image', 'challenges[0].image', 'broker.image']);
  assert.deepEqual(result.proposed.map((c) => c.path), ['challenges[2].image']);
  const expected = TEXT.replace(`master:latest@${D('a')}`, `master:latest@${D('b')}`).replace(`alpha:2.3.0@${D('c')}`, `alpha:2.4.0@${D('d')}`)
    .replace('broker:latest\n', `broker:latest@${D('9')}\n`);
  assert.equal(readFileSync(file, 'utf8'), expected);
  assert.equal(git(repo, 'rev-parse', 'HEAD').trim(), result.commit);
  assert.equal(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim(), 'subnet.yaml');
  assert.equal(git(repo, 'status', '--porcelain').trim(), 'M  other.txt');
  assert.equal(
    git(repo, 'log', '-1', '--format=%B').trim(),
    [
      'images: update master.image, challenges[0].image, broker.image',
      '',
      'base images update on subnet.yaml:',
      `master.image: reg.example/base/master:latest@${D('a')} -> reg.example/base/master:latest@${D('b')}`,
      `challenges[0].image: reg.example/base/alpha:2.3.0@${D('c')} -> reg.example/base/alpha:2.4.0@${D('d')}`,
      `broker.image: reg.example/base/broker:latest -> reg.example/base/broker:latest@${D('9')}`,
    ].join('\n'),
  );
  // Run again: everything in commit mode is current, no new commit.
  const again = await updateImages(file, registry());
  assert.equal(again.commit, null);
  assert.equal(git(repo, 'rev-list', '--count', 'HEAD').trim(), '2');
});

test('update refuses a file with uncommitted changes, and writes nothing when a lookup fails', async () => {
  const { repo, file } = repoWith(TEXT);
  writeFileSync(file, `${TEXT}# an edit in progress\n`);
  await assert.rejects(updateImages(file, registry()), /has uncommitted changes \(M\); commit or stash them first/);
  assert.equal(readFileSync(file, 'utf8'), `${TEXT}# an edit in progress\n`);

  git(repo, 'checkout', '--quiet', '--', 'subnet.yaml');
  await assert.rejects(updateImages(file, fakeRegistry({}, {})), /cannot check the images; nothing written/);
  assert.equal(readFileSync(file, 'utf8'), TEXT);
  assert.equal(git(repo, 'rev-list', '--count', 'HEAD').trim(), '1');
});

test('update outside a Git repository is refused before any registry question', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'images-nogit-')), 'subnet.yaml');
  writeFileSync(file, TEXT);
  const fake = registry();
  await assert.rejects(updateImages(file, fake), /not inside a Git repository/);
  assert.deepEqual(fake.asked, []);
  rmSync(join(file, '..'), { recursive: true, force: true });
});
