import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChallengeConfig } from '../src/config.ts';
import { startChallenge, type RunningChallenge } from '../src/service.ts';

export const TOKEN = 'test-shared-token-0123456789abcdef';
/** Well-formed SS58 addresses (the development metagraph's Alice, Bob, Charlie). */
export const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
export const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
export const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';

export interface TestChallenge extends RunningChallenge {
  url: string;
  dir: string;
  tokenFile: string;
  close(): Promise<void>;
}

/** A challenge on 127.0.0.1:<free port> with its database and token file in a fresh temporary folder. */
export async function startTestChallenge(overrides: Partial<ChallengeConfig> = {}, now?: () => number): Promise<TestChallenge> {
  const dir = mkdtempSync(join(tmpdir(), 'challenge-template-test-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const config: ChallengeConfig = {
    slug: 'example-challenge',
    port: 0,
    host: '127.0.0.1',
    databasePath: join(dir, 'data', 'challenge.sqlite3'),
    tokenFile,
    epochSeconds: 360,
    shutdownGraceMs: 1000,
    ...overrides,
  };
  const running = await startChallenge(config, now);
  return {
    ...running,
    url: `http://127.0.0.1:${running.address.port}`,
    dir,
    tokenFile,
    async close() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}
