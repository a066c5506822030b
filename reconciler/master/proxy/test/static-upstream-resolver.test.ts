import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staticUpstreamResolver } from '../index.ts';

test('a static map resolves its slugs and nothing else', () => {
  const r = staticUpstreamResolver(['agent=http://127.0.0.1:8001', 'prism=http://challenge-prism:8000/']);
  assert.deepEqual(r.resolve('agent'), { origin: 'http://127.0.0.1:8001' });
  assert.deepEqual(r.resolve('prism'), { origin: 'http://challenge-prism:8000' });
  assert.equal(r.resolve('other'), undefined);
  assert.equal(r.resolve('Agent'), undefined);
});

test('bad entries are refused with the entry and what was expected', () => {
  const cases: Array<[string[], RegExp]> = [
    [['agent'], /--upstream entry ""=…: expected slug=http:\/\/host:port/],
    [['Agent=http://x:1'], /--upstream entry "Agent"=…: expected slug=/],
    [['agent=not a url'], /--upstream agent=…: not a URL/],
    [['agent=https://x:1'], /without credentials, path or query/],
    [['agent=http://x:1/path'], /path or query/],
    [['agent=http://x:1', 'agent=http://y:2'], /slug "agent" is given twice/],
  ];
  for (const [entries, message] of cases) assert.throws(() => staticUpstreamResolver(entries), message, entries.join(' '));
});

test('an entry with credentials is refused without echoing them', () => {
  assert.throws(
    () => staticUpstreamResolver(['agent=http://user:s3cret@x:1']),
    (err: Error) => /without credentials/.test(err.message) && !err.message.includes('s3cret'),
  );
});
