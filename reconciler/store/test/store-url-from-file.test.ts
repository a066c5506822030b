/** BASE_DATABASE_URL_FILE (the base-master service's mounted secret) and BASE_DATABASE_URL (development). */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { StoreConfigError } from '../errors.ts';
import { storeUrlFromEnvironment } from '../open-store.ts';

const URL_WITH_PASSWORD = 'postgres://base:file-pw-93ab1@db.internal:5432/control';
let dir: string;
before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'base-store-url-'))));
after(() => rm(dir, { recursive: true, force: true }));

const rejectsWithout = async (env: NodeJS.ProcessEnv, message: RegExp): Promise<void> => {
  await assert.rejects(storeUrlFromEnvironment(env), (error: unknown) => {
    assert.ok(error instanceof StoreConfigError, String(error));
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /file-pw-93ab1|db\.internal/, 'the URL is never in the message');
    return true;
  });
};

test('the file content is the URL, trimmed (a trailing newline from docker secret create is fine)', async () => {
  const file = path.join(dir, 'database_url');
  await writeFile(file, `  ${URL_WITH_PASSWORD}\n`, { mode: 0o400 });
  assert.equal(await storeUrlFromEnvironment({ BASE_DATABASE_URL_FILE: file }), URL_WITH_PASSWORD);
});

test('BASE_DATABASE_URL alone still works (development); neither set gives null', async () => {
  assert.equal(await storeUrlFromEnvironment({ BASE_DATABASE_URL: ` ${URL_WITH_PASSWORD} ` }), URL_WITH_PASSWORD);
  assert.equal(await storeUrlFromEnvironment({}), null);
  assert.equal(await storeUrlFromEnvironment({ BASE_DATABASE_URL: '  ', BASE_DATABASE_URL_FILE: '' }), null);
});

test('an empty file is an error naming the file, never its content', async () => {
  const file = path.join(dir, 'empty');
  await writeFile(file, ' \n');
  await rejectsWithout({ BASE_DATABASE_URL_FILE: file }, new RegExp(`BASE_DATABASE_URL_FILE: the store URL file ${file} is empty`));
});

test('a missing file is an error naming the file and the errno', async () => {
  const file = path.join(dir, 'nope');
  await rejectsWithout({ BASE_DATABASE_URL_FILE: file }, new RegExp(`cannot read the store URL file ${file} \\(ENOENT\\)`));
});

test('both set is an error (which one wins would be a guess), without either value', async () => {
  const file = path.join(dir, 'both');
  await writeFile(file, URL_WITH_PASSWORD);
  await rejectsWithout({ BASE_DATABASE_URL_FILE: file, BASE_DATABASE_URL: URL_WITH_PASSWORD }, /both BASE_DATABASE_URL and BASE_DATABASE_URL_FILE are set/);
});
