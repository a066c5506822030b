import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { parseImageRef } from '../../desired-state/image-ref.ts';
import { listTags, RegistryError } from '../registry-digest.ts';

const TOKEN = 'anon-tags-token';

/**
 * A registry whose /tags/list answers in pages of two with `Link: <...>; rel="next"` (as distribution does for
 * `?n=`), behind the anonymous bearer flow; `emptied/app` has had all its tags deleted ("tags": null).
 */
let server: http.Server;
let origin: string;
const requests: string[] = [];
const ALL = ['1.0.0', '1.1.0', '2.0.0', 'latest', 'v2.1.0'];
before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${origin}/token",service="t",scope="repository:team/app:pull"` }).end();
      return;
    }
    if (url.pathname === '/v2/emptied/app/tags/list') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'emptied/app', tags: null }));
      return;
    }
    if (url.pathname === '/v2/hop/app/tags/list') {
      res.writeHead(200, { 'content-type': 'application/json', link: '<http://elsewhere.invalid/v2/hop/app/tags/list?last=a>; rel="next"' }).end(JSON.stringify({ tags: ['a'] }));
      return;
    }
    if (url.pathname !== '/v2/team/app/tags/list') {
      res.writeHead(404).end();
      return;
    }
    const last = url.searchParams.get('last');
    const start = last === null ? 0 : ALL.indexOf(last) + 1;
    const page = ALL.slice(start, start + 2);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (start + 2 < ALL.length) headers.link = `</v2/team/app/tags/list?n=2&last=${page[page.length - 1]}>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ name: 'team/app', tags: page }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ref = (repository: string) => parseImageRef(`${origin.replace('http://', '')}/${repository}`)!;

test('listTags follows every page and answers the bearer challenge', async () => {
  requests.length = 0;
  assert.deepEqual(await listTags(ref('team/app')), ALL);
  const listed = requests.filter((r) => r.startsWith('GET /v2/'));
  // One 401 and one token, then three authorized pages.
  assert.equal(listed.length, 4);
  assert.equal(requests.filter((r) => r.startsWith('GET /token')).length, 1);
  assert.ok(listed.includes('GET /v2/team/app/tags/list?n=2&last=1.1.0'), listed.join('\n'));
});

test('a repository with no tags left is an empty list; an unknown one is a clear 404', async () => {
  assert.deepEqual(await listTags(ref('emptied/app')), []);
  await assert.rejects(listTags(ref('nothing/here')), (error: Error) => {
    assert.ok(error instanceof RegistryError);
    assert.match(error.message, /^nothing\/here not found at http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\): push the image first$/);
    return true;
  });
});

test('a next page on another host is refused: the token never leaves the registry', async () => {
  requests.length = 0;
  await assert.rejects(listTags(ref('hop/app')), /the next page is on another host \(http:\/\/elsewhere\.invalid\); refused/);
});
