import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const unit = readFileSync(new URL('../../deploy/systemd/base-submitter.service', import.meta.url), 'utf8');
const directives = new Map<string, string[]>();
for (const line of unit.split('\n')) {
  const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
  if (match) directives.set(match[1]!, [...(directives.get(match[1]!) ?? []), match[2]!]);
}
const value = (key: string) => directives.get(key)?.at(-1);

test('the submitter unit restarts always, runs as its own user and is hardened', () => {
  assert.equal(value('Restart'), 'always');
  assert.equal(value('User'), 'base-submitter');
  assert.equal(value('ExecStart'), '/usr/bin/node /opt/base-submitter/base-submitter.mjs submitter run --config /etc/base-submitter/config.yaml');
  for (const [key, expected] of [
    ['NoNewPrivileges', 'true'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'true'],
    ['PrivateTmp', 'true'],
    ['ReadWritePaths', '/var/lib/base-submitter'],
    ['StateDirectory', 'base-submitter'],
    ['CapabilityBoundingSet', ''],
  ] as const) {
    assert.equal(value(key), expected, key);
  }
});
