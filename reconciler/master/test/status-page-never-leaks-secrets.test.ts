import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SaxesParser } from 'saxes';
import { DESIRED_YAML, send, startTestMaster } from './support.ts';

// Seeded in DESIRED_YAML (env values, env names, secret names, the admin token secret's name).
const FORBIDDEN = [
  'very-visible-env-value-alpha',
  'private-env-url',
  'judge.internal.example',
  'beta-env-value-should-not-leak',
  'JUDGE_API_TOKEN_FILE',
  'LOG_LEVEL',
  '/run/secrets',
  'alpha-judge-token',
  'alpha-db-password-secret',
  'beta-secret-name',
  'base-admin-token',
];

test('the status page and the dashboard SVG never carry env values, secret names or tokens from the desired state', async () => {
  assert.ok(DESIRED_YAML.includes('very-visible-env-value-alpha'), 'the fixture does carry the values');
  const master = await startTestMaster();
  try {
    const page = await send(master.port, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.ok(page.body.includes('data-slug="alpha"') && page.body.includes('data-slug="beta"'), 'a row per challenge');
    const svg = await send(master.port, '/v1/challenges/dashboard.svg');
    assert.equal(svg.status, 200);
    assert.equal(svg.headers['cache-control'], 'no-store');
    assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
    for (const needle of FORBIDDEN) {
      assert.ok(!page.body.includes(needle), `page contains ${needle}`);
      assert.ok(!svg.body.includes(needle), `svg contains ${needle}`);
    }
  } finally {
    await master.close();
  }
});

test('the dashboard SVG is well-formed XML whose slices carry the configured shares and the burn', async () => {
  const master = await startTestMaster();
  try {
    const svg = (await send(master.port, '/v1/challenges/dashboard.svg')).body;
    const shares = new Map<string, number>();
    const parser = new SaxesParser({ xmlns: true });
    let root: string | null = null;
    parser.on('opentag', (tag) => {
      root ??= tag.local;
      const slug = tag.attributes['data-slug'];
      const share = tag.attributes['data-share'];
      if (tag.local === 'rect' && typeof slug === 'object' && typeof share === 'object') shares.set(slug.value, Number(share.value));
    });
    parser.write(svg).close(); // throws on malformed XML
    assert.equal(root, 'svg');
    // alpha 12.5 % and beta 30 % are active; gamma is inactive; the rest (57.5 %) burns.
    assert.deepEqual([...shares.keys()], ['alpha', 'beta', '']);
    assert.ok(Math.abs(shares.get('alpha')! - 0.125) < 1e-12);
    assert.ok(Math.abs(shares.get('beta')! - 0.3) < 1e-12);
    assert.ok(Math.abs(shares.get('')! - 0.575) < 1e-12);
  } finally {
    await master.close();
  }
});
