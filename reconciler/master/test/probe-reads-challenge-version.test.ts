/**
 * The master's probe takes a challenge's version from `/version`: its `version` key, or, for a challenge that answers
 * like the reference SDK (no `version` key), `challenge_version` — among them a challenge rendered from our template.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CHALLENGE_VERSION } from '../../../challenge-template/src/identity.ts';
import { startTestChallenge } from '../../../challenge-template/test/support.ts';
import { ChallengeProber } from '../probes.ts';

async function answering(versionBody: unknown): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/version' ? versionBody : { status: 'ok', slug: 's', version: 'x' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function probedVersion(origin: string): Promise<string | null> {
  const prober = new ChallengeProber({ targets: { targets: () => new Map([['c', origin]]) }, timeoutMs: 2_000 });
  try {
    await prober.probeAll();
    return prober.last('c')!.version;
  } finally {
    await prober.stop();
  }
}

for (const [label, body, expected] of [
  ['challenge_version when there is no version key', { api_version: '1.0', challenge_version: '3.1.4', sdk_version: '1.0.0', capabilities: [] }, '3.1.4'],
  ['version when both are present', { version: '2.0.0', challenge_version: '3.1.4' }, '2.0.0'],
  ['nothing when version is present but not a string (no fallback)', { version: 7, challenge_version: '3.1.4' }, null],
  ['nothing when challenge_version is not printable', { challenge_version: 'a\nb' }, null],
] as const) {
  test(`the probe reads ${label}`, async () => {
    const upstream = await answering(body);
    try {
      assert.equal(await probedVersion(upstream.origin), expected);
    } finally {
      await upstream.close();
    }
  });
}

test('a challenge from the template is probed ok, with its challenge_version', async () => {
  const challenge = await startTestChallenge({ slug: 'probe-me' });
  try {
    const prober = new ChallengeProber({ targets: { targets: () => new Map([['probe-me', challenge.url]]) }, timeoutMs: 2_000 });
    await prober.probeAll();
    const result = prober.last('probe-me')!;
    await prober.stop();
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.version, CHALLENGE_VERSION);
  } finally {
    await challenge.close();
  }
});
