import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageRef } from '../../desired-state/image-ref.ts';
import { chooseTag, decideImage } from '../decide.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const TAGS = ['latest', '1.9.0', '2.2.9', '2.3.0', '2.3.7', 'v2.4.1', '2.10.0-rc.1', '3.0.0', 'nightly', '2.5'];

test('a channel is its own tag, whatever the registry lists', () => {
  assert.deepEqual(chooseTag({ channel: 'latest' }, []), { ok: true, tag: 'latest' });
  assert.deepEqual(chooseTag({ channel: 'stable' }, TAGS), { ok: true, tag: 'stable' });
});

test('a range takes the highest SemVer tag satisfying it, skipping pre-releases and non-SemVer tags', () => {
  assert.deepEqual(chooseTag({ semver: '^2.3' }, TAGS), { ok: true, tag: 'v2.4.1' });
  assert.deepEqual(chooseTag({ semver: '~2.3.0' }, TAGS), { ok: true, tag: '2.3.7' });
  assert.deepEqual(chooseTag({ semver: '>=2.0.0 <2.3.0' }, TAGS), { ok: true, tag: '2.2.9' });
  assert.deepEqual(chooseTag({ semver: '*' }, TAGS), { ok: true, tag: '3.0.0' });
  // 2.10.0-rc.1 is only a candidate when the range names a pre-release of that version.
  assert.deepEqual(chooseTag({ semver: '>=2.10.0-rc.0 <3' }, TAGS), { ok: true, tag: '2.10.0-rc.1' });
  // "2.5" is not SemVer (no patch), so ^2.5 has nothing.
  assert.equal(chooseTag({ semver: '^2.5' }, TAGS).ok, false);
});

test('the order is by version, not by text, and the current spelling wins a tie', () => {
  assert.deepEqual(chooseTag({ semver: '^1' }, ['1.9.0', '1.10.0', '1.2.0']), { ok: true, tag: '1.10.0' });
  assert.deepEqual(chooseTag({ semver: '^1' }, ['v1.10.0', '1.10.0']), { ok: true, tag: '1.10.0' });
  assert.deepEqual(chooseTag({ semver: '^1' }, ['v1.10.0', '1.10.0'], 'v1.2.0'), { ok: true, tag: '1.10.0' });
  assert.deepEqual(chooseTag({ semver: '^1' }, ['1.10.0', 'v1.10.0'], 'v1.10.0'), { ok: true, tag: 'v1.10.0' });
});

test('no match names the range and what the registry has; an invalid range is refused', () => {
  assert.deepEqual(chooseTag({ semver: '^4' }, TAGS), {
    ok: false,
    reason: 'no tag satisfies ^4 (the registry has SemVer tags 1.9.0, 2.2.9, 2.3.0, 2.3.7, v2.4.1, 2.10.0-rc.1, 3.0.0)',
  });
  assert.deepEqual(chooseTag({ semver: '^1' }, ['latest']), { ok: false, reason: 'no tag satisfies ^1 (the registry has no SemVer tags)' });
  assert.deepEqual(chooseTag({ semver: 'banana' }, TAGS), { ok: false, reason: '"banana" is not a SemVer range' });
});

test('the decision pins tag@digest on the same registry and repository, and says when nothing changes', () => {
  const current = parseImageRef(`127.0.0.1:5000/team/app:2.3.0@${A}`)!;
  assert.deepEqual(decideImage(current, '2.3.7', B), {
    action: 'update',
    from: `127.0.0.1:5000/team/app:2.3.0@${A}`,
    to: `127.0.0.1:5000/team/app:2.3.7@${B}`,
    tag: '2.3.7',
    digest: B,
    previous_digest: A,
  });
  assert.equal(decideImage(current, '2.3.0', A).action, 'current');
  // A moved channel: same tag, new digest.
  const moved = decideImage(parseImageRef(`reg.example/app:latest@${A}`)!, 'latest', B);
  assert.equal(moved.to, `reg.example/app:latest@${B}`);
  assert.equal(moved.action, 'update');
  // An unpinned image is updated to its pinned form even when the tag is the same.
  const unpinned = decideImage(parseImageRef('app:latest')!, 'latest', A);
  assert.deepEqual([unpinned.action, unpinned.to, unpinned.previous_digest], ['update', `app:latest@${A}`, null]);
  assert.throws(() => decideImage(current, '2.3.7', 'sha256:short'), /not a sha256 digest/);
});
