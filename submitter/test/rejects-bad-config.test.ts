import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadSubmitterConfig, parseSubmitterConfig } from '../config.ts';
import { masterPublicHex, rawConfig, tempDir } from './helpers.ts';

const work = tempDir('config');
after(() => work.remove());
const file = path.join(work.dir, 'submitter.yaml');

function problems(overrides: Record<string, unknown>, drop: string[] = []): string {
  const raw = rawConfig(work.dir, overrides);
  for (const key of drop) delete raw[key];
  try {
    parseSubmitterConfig(raw, file);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('the config was accepted');
}

test('a minimal config gets its defaults and paths resolved against the config folder', () => {
  const config = parseSubmitterConfig(rawConfig(work.dir, { http: undefined }), file);
  assert.equal(config.hotkey.kind, 'seed_file');
  assert.equal(config.hotkey.kind === 'seed_file' && config.hotkey.seedFile, path.join(work.dir, 'hotkey.seed'));
  assert.equal(config.stateDir, path.join(work.dir, 'state'));
  assert.equal(config.cadenceMs, 120_000);
  assert.equal(config.freshnessMs, 900_000);
  assert.deepEqual(config.http, { timeoutMs: 10_000, retries: 3, minBackoffMs: 1_000, maxBackoffMs: 30_000, maxBodyBytes: 16_777_216 });
  assert.equal(config.versionKey, 0n);
  assert.deepEqual(config.commitReveal, { mode: 'auto' });
  assert.equal(Buffer.from(config.masterPublicKey).toString('hex'), masterPublicHex.slice(2));
});

test('each bad value is named with the file, the field, what was found and what was expected', () => {
  const netuid = problems({ netuid: -1 });
  assert.match(netuid, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: invalid submitter config`));
  assert.match(netuid, /netuid: found -1; expected a number must be >= 0/);
  assert.match(problems({ chain_endpoint: 'http://node:9944' }), /chain_endpoint: found "http:\/\/node:9944"; expected a ws:\/\/ or wss:\/\/ URL/);
  assert.match(problems({ cadence_seconds: 'often' }), /cadence_seconds: expected number; found "often"/);
  assert.match(problems({ hotkey: { seed_file: 'a', keystore_file: 'b' } }), /hotkey: expected exactly one of \{seed_file\} or \{keystore_file, password_file\}/);
  assert.match(problems({ master_public_key: '0x1234' }), /master_public_key: found "0x1234"; expected 0x followed by 64 hex digits, or an SS58 address/);
  assert.match(problems({ colour: 'blue' }), /colour: unknown field/);
  assert.match(problems({}, ['state_dir']), /state_dir: missing/);
  assert.match(problems({ commit_reveal: { mode: 'later' } }), /commit_reveal\.mode: found "later"; expected one of auto, timelocked, hash/);
  assert.match(problems({ http: { min_backoff_seconds: 5, max_backoff_seconds: 1 } }), /http\.max_backoff_seconds: 1 is below http\.min_backoff_seconds/);
});

test('several problems are all reported at once', () => {
  const message = problems({ netuid: 70000, weights_url: 'ftp://x' });
  assert.match(message, /netuid/);
  assert.match(message, /weights_url/);
});

test('a file that is not YAML is reported with its line and column', () => {
  writeFileSync(file, 'netuid: [1, 2\nweights_url: x\n');
  assert.throws(() => loadSubmitterConfig(file), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, new RegExp(`${path.basename(file)}:\\d+:\\d+: not valid YAML/JSON`));
    return true;
  });
  assert.throws(() => loadSubmitterConfig(path.join(work.dir, 'missing.yaml')), /missing\.yaml: cannot read the config file \(ENOENT\)/);
});

test('the shipped example config is valid', () => {
  const example = new URL('../examples/config.yaml', import.meta.url).pathname;
  const config = loadSubmitterConfig(example);
  assert.equal(config.chainEndpoint, 'wss://entrypoint-finney.opentensor.ai:443');
  assert.equal(config.stateDir, '/var/lib/base-submitter');
  assert.equal(config.rejectionBackoff.maxMs, 3_600_000);
});
