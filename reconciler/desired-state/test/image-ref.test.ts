import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatImageRef, isSemverTag, parseImageRef } from '../image-ref.ts';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

test('parses registry, repository, tag and digest', () => {
  assert.deepEqual(parseImageRef(`ghcr.io/base-subnet/challenge-x:1.2.3@${DIGEST}`), {
    registry: 'ghcr.io',
    repository: 'base-subnet/challenge-x',
    tag: '1.2.3',
    digest: DIGEST,
  });
  assert.deepEqual(parseImageRef('127.0.0.1:5000/base/master:dev'), { registry: '127.0.0.1:5000', repository: 'base/master', tag: 'dev' });
  assert.deepEqual(parseImageRef('localhost/app'), { registry: 'localhost', repository: 'app' });
  assert.deepEqual(parseImageRef('node:20'), { repository: 'node', tag: '20' });
  assert.deepEqual(parseImageRef(`library/node@${DIGEST}`), { repository: 'library/node', digest: DIGEST });
  assert.deepEqual(parseImageRef('a__b/c.d-e---f:v'), { repository: 'a__b/c.d-e---f', tag: 'v' });
});

test('rejects what Docker rejects', () => {
  for (const bad of ['', 'Upper/case', 'repo:', 'repo:bad tag', 'repo@sha256:abc', `repo@sha512:${'a'.repeat(128)}`, `repo@sha256:${'A'.repeat(64)}`, '/repo', 'repo/', 'a//b', 'repo:-tag', 'reg.io:port/x', '-a/b', 'a_/b', `x:${'t'.repeat(129)}`]) {
    assert.equal(parseImageRef(bad), null, bad);
  }
});

test('formatImageRef round-trips', () => {
  for (const ref of [`ghcr.io/a/b:1.0.0@${DIGEST}`, 'node:20', 'localhost:5000/x', `x@${DIGEST}`]) {
    const parsed = parseImageRef(ref);
    assert.ok(parsed, ref);
    assert.equal(formatImageRef(parsed), ref);
  }
});

test('SemVer tags, with or without a leading v', () => {
  for (const ok of ['1.2.3', 'v0.9.0', '2.0.0-rc.1', '1.0.0-alpha-2']) assert.equal(isSemverTag(ok), true, ok);
  for (const bad of ['1.2', 'latest', '01.2.3', 'main', '1.2.3.4', '1.2.3-']) assert.equal(isSemverTag(bad), false, bad);
});
