import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageRef } from '../../desired-state/image-ref.ts';
import { formatImageRef } from '../../desired-state/image-ref.ts';
import { parseDesiredState } from '../../desired-state/index.ts';
import { PinError, planPins } from '../pin.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

/** A registry in memory: every tag → a digest; records what was asked. */
function fakeResolver(digests: Record<string, string>) {
  const asked: string[] = [];
  return {
    asked,
    resolve: async (ref: ImageRef) => {
      const key = formatImageRef(ref);
      asked.push(key);
      const digest = digests[key];
      if (!digest) throw new Error(`${key} not found`);
      return digest;
    },
  };
}

const FILE = `# yaml-language-server: $schema=../schemas/subnet.schema.json
# The demo subnet.
version: 1
subnet:
  name: t
  netuid: 2
  environment: development   # local
  chain_endpoint: ws://127.0.0.1:9944
  epoch_interval_seconds: 12
master:
  image: "127.0.0.1:5000/base/master:0.1.0"  # quoted on purpose
networks:
  - name: t-net

challenges:
  - &first
    slug: alpha
    name: Alpha
    image: 127.0.0.1:5000/base/alpha:1.0.0 # plain, with a comment
    status: active
    emission_percent: 30
  - <<: *first
    slug: beta
    name: Beta
  - slug: gamma
    name: Gamma
    image: '127.0.0.1:5000/base/gamma'
    status: active
    emission_percent: 20
  - slug: delta
    name: Delta
    image: 127.0.0.1:5000/base/delta:2.0.0@${A}
    status: draft
    emission_percent: 0
`;

test('tags get their digest; comments, quoting, anchors and every other line stay byte for byte', async () => {
  const registry = fakeResolver({
    '127.0.0.1:5000/base/master:0.1.0': A,
    '127.0.0.1:5000/base/alpha:1.0.0': B,
    '127.0.0.1:5000/base/gamma:latest': A,
  });
  const result = await planPins(FILE, 'subnet.yaml', { resolve: registry.resolve });
  assert.ok(result.changed);
  const before = FILE.split('\n');
  const after = result.text.split('\n');
  assert.equal(after.length, before.length);
  const changedLines = before.flatMap((line, i) => (line === after[i] ? [] : [i + 1]));
  assert.deepEqual(changedLines, [11, 19, 27]);
  assert.equal(after[10], `  image: "127.0.0.1:5000/base/master:0.1.0@${A}"  # quoted on purpose`);
  assert.equal(after[18], `    image: 127.0.0.1:5000/base/alpha:1.0.0@${B} # plain, with a comment`);
  // No tag means :latest, and the tag is written out.
  assert.equal(after[26], `    image: '127.0.0.1:5000/base/gamma:latest@${A}'`);
  // beta shares alpha's image through the merge key: resolved once, written once.
  assert.deepEqual(registry.asked.sort(), ['127.0.0.1:5000/base/alpha:1.0.0', '127.0.0.1:5000/base/gamma:latest', '127.0.0.1:5000/base/master:0.1.0']);
  assert.deepEqual(
    result.outcomes.map((o) => [o.site.path, o.action]),
    [
      ['master.image', 'pinned'],
      ['challenges[0].image', 'pinned'],
      ['challenges[2].image', 'pinned'],
      ['challenges[3].image', 'unchanged'],
    ],
  );
  const valid = parseDesiredState(result.text, 'subnet.yaml');
  assert.ok(valid.ok, JSON.stringify(!valid.ok && valid.problems));
  const beta = valid.state.challenges.find((c) => c.slug === 'beta');
  assert.equal(beta?.image, `127.0.0.1:5000/base/alpha:1.0.0@${B}`);
});

test('already pinned images are left alone; --update re-resolves them and rewrites a moved tag', async () => {
  const pinned = `master:\n  image: r.example.com/m:1.0.0@${A} # keep me\nchallenges: []\n`;
  const stay = fakeResolver({ 'r.example.com/m:1.0.0': B });
  const untouched = await planPins(pinned, 'f.yaml', { resolve: stay.resolve });
  assert.equal(untouched.changed, false);
  assert.deepEqual(stay.asked, []);

  const moved = await planPins(pinned, 'f.yaml', { resolve: stay.resolve, update: true });
  assert.equal(moved.text, `master:\n  image: r.example.com/m:1.0.0@${B} # keep me\nchallenges: []\n`);

  const same = fakeResolver({ 'r.example.com/m:1.0.0': A });
  const current = await planPins(pinned, 'f.yaml', { resolve: same.resolve, update: true });
  assert.equal(current.changed, false);
  assert.equal(current.outcomes[0]?.action, 'unchanged');
});

test('one unresolvable image fails the whole run, naming FILE:LINE:COL of each, with nothing rewritten', async () => {
  const registry = fakeResolver({ '127.0.0.1:5000/base/master:0.1.0': A });
  await assert.rejects(planPins(FILE, 'subnet.yaml', { resolve: registry.resolve }), (error: Error) => {
    assert.ok(error instanceof PinError);
    assert.match(error.message, /^nothing written/);
    assert.match(error.message, /subnet\.yaml:19:12: challenges\[0\]\.image: 127\.0\.0\.1:5000\/base\/alpha:1\.0\.0: .*not found/);
    assert.match(error.message, /subnet\.yaml:27:12: challenges\[2\]\.image/);
    return true;
  });
});

test('invalid references, non-string images, block scalars and broken YAML are clear errors', async () => {
  const resolve = async () => A;
  await assert.rejects(planPins('master:\n  image: Not A Ref\n', 'f.yaml', { resolve }), /f\.yaml:2:10: master\.image: "Not A Ref" is not an image reference/);
  await assert.rejects(planPins('master:\n  image: [a]\n', 'f.yaml', { resolve }), /f\.yaml:2:10: master\.image: expected an image reference string/);
  await assert.rejects(planPins('master:\n  image: >-\n    r.example.com/m:1\n', 'f.yaml', { resolve }), /block scalar/);
  await assert.rejects(planPins('master: [\n', 'f.yaml', { resolve }), /f\.yaml:\d+:\d+: not valid YAML/);
});
