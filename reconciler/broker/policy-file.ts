/**
 * Keeps the broker's policy current from two files: the applied desired state (the reconciler's copy, mounted
 * read-only) and the token hashes (slug → sha256 hex). Re-read when either file changes, so an applied change
 * reaches the broker without a restart; a file that stops parsing keeps the last good policy and says why once.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseDesiredState } from '../desired-state/index.ts';
import { brokerPolicyFrom, type BrokerPolicy } from './policy.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function readTokenHashes(file: string): Map<string, string> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object of slug → sha256 hex`);
  const hashes = new Map<string, string>();
  for (const [slug, hash] of Object.entries(parsed)) {
    if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) throw new Error(`${file}: the hash of ${JSON.stringify(slug)} is not 64 lower-case hex characters`);
    hashes.set(slug, hash);
  }
  return hashes;
}

export function policyFromFiles(desiredFile: string, tokenHashesFile: string, warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): () => BrokerPolicy {
  let stamp = '';
  let current: BrokerPolicy | null = null;
  let warned = '';
  const load = (): BrokerPolicy => {
    const text = readFileSync(desiredFile, 'utf8');
    const result = parseDesiredState(text, desiredFile);
    if (!result.ok) throw new Error(result.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
    const revision = createHash('sha256').update(text).digest('hex').slice(0, 12);
    return brokerPolicyFrom(result.state, readTokenHashes(tokenHashesFile), revision);
  };
  return () => {
    const next = [desiredFile, tokenHashesFile].map((f) => {
      try {
        const s = statSync(f);
        return `${s.mtimeMs}:${s.size}`;
      } catch {
        return 'missing';
      }
    }).join('|');
    if (next !== stamp || current === null) {
      try {
        current = load();
        stamp = next;
        warned = '';
      } catch (error) {
        const message = `broker: keeping the last good policy: ${error instanceof Error ? error.message : String(error)}`;
        if (message !== warned) warn(message);
        warned = message;
        stamp = next;
        if (current === null) throw error;
      }
    }
    return current;
  };
}
