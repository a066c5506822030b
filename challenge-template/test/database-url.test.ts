import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, configFromEnv } from '../src/config.ts';
import { DatabaseUrlError, sqlitePathFromUrl } from '../src/database-url.ts';

test('the reconciler URL sqlite+aiosqlite:////data/challenge.sqlite3 is the file /data/challenge.sqlite3', () => {
  assert.equal(sqlitePathFromUrl('sqlite+aiosqlite:////data/challenge.sqlite3'), '/data/challenge.sqlite3');
  assert.equal(sqlitePathFromUrl('sqlite:////var/lib/x.db'), '/var/lib/x.db');
  assert.equal(sqlitePathFromUrl('sqlite:///relative/x.db'), 'relative/x.db');
  assert.equal(sqlitePathFromUrl('sqlite:////data/a%20b.db?mode=rwc'), '/data/a b.db');
});

test('a plain path is used as it is', () => {
  assert.equal(sqlitePathFromUrl('/tmp/challenge.sqlite3'), '/tmp/challenge.sqlite3');
  assert.equal(sqlitePathFromUrl('data/c.db'), 'data/c.db');
  assert.equal(sqlitePathFromUrl(':memory:'), ':memory:');
});

test('other schemes, hosts and empty values are refused with the reason', () => {
  assert.throws(() => sqlitePathFromUrl('postgresql://u@h/db'), (e: Error) => e instanceof DatabaseUrlError && /postgresql/.test(e.message));
  assert.throws(() => sqlitePathFromUrl('sqlite://host/x.db'), /names a host/);
  assert.throws(() => sqlitePathFromUrl('sqlite:///'), /no file path/);
  assert.throws(() => sqlitePathFromUrl('  '), /empty/);
});

test('configFromEnv reads the reconciler environment, with defaults and clear errors', () => {
  const config = configFromEnv({
    BASE_CHALLENGE_SLUG: 'my-slug',
    CHALLENGE_DATABASE_URL: 'sqlite+aiosqlite:////data/challenge.sqlite3',
    CHALLENGE_SHARED_TOKEN_FILE: '/run/secrets/base/challenge_token',
  });
  assert.equal(config.slug, 'my-slug');
  assert.equal(config.databasePath, '/data/challenge.sqlite3');
  assert.equal(config.tokenFile, '/run/secrets/base/challenge_token');
  assert.equal(config.port, 8000);
  const defaults = configFromEnv({});
  assert.equal(defaults.slug, 'example-challenge');
  assert.equal(defaults.tokenFile, null);
  assert.throws(() => configFromEnv({ PORT: 'eighty' }), (e: Error) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => configFromEnv({ CHALLENGE_DATABASE_URL: 'postgres://x/y' }), ConfigError);
});
