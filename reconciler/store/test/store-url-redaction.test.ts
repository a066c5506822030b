/** A database URL's password never reaches a message or a log line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { redactDatabaseUrl, scrubDatabaseSecrets } from '../redact.ts';

describe('database URL redaction', () => {
  it('masks the password of a URL and keeps the rest readable', () => {
    assert.equal(redactDatabaseUrl('postgres://base:s3cret@db.internal:5432/control'), 'postgres://base:***@db.internal:5432/control');
    assert.equal(redactDatabaseUrl('postgresql://base@db/control'), 'postgresql://base@db/control');
    assert.equal(redactDatabaseUrl('postgres://db/control'), 'postgres://db/control');
  });

  it('masks percent-encoded passwords and password query parameters', () => {
    assert.equal(redactDatabaseUrl('postgres://base:p%40ss%3Aword@db/control'), 'postgres://base:***@db/control');
    assert.equal(
      redactDatabaseUrl('postgres://db/control?user=base&password=s3cret&sslmode=require'),
      'postgres://db/control?user=base&password=***&sslmode=require',
    );
  });

  it('masks a password even when the URL does not parse', () => {
    const redacted = redactDatabaseUrl('postgres://base:s3cret@[bad host/control');
    assert.doesNotMatch(redacted, /s3cret/);
    assert.match(redacted, /base:\*\*\*@/);
    assert.doesNotMatch(redactDatabaseUrl('host=db password=s3cret'), /s3cret/);
  });

  it('scrubs the URL and its password, raw or decoded, from any text', () => {
    const url = 'postgres://base:p%40ss@db/control';
    const text = `failed to connect to ${url}: auth for p@ss rejected; p%40ss again`;
    const scrubbed = scrubDatabaseSecrets(text, url);
    assert.equal(scrubbed, 'failed to connect to postgres://base:***@db/control: auth for *** rejected; *** again');
  });
});
