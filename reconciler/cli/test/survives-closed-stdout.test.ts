import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const BASE = fileURLToPath(new URL('../../../bin/base.mjs', import.meta.url));

/** Runs the CLI with its stdout destroyed after the first chunk, like `base ... | head -1`. */
function runWithEarlyClosedStdout(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; first: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BASE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let first = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.once('data', (chunk: Buffer) => {
      first = chunk.toString('utf8');
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, first }));
  });
}

for (const args of [['plan', '--help'], ['--help'], ['apply', '--help']]) {
  test(`base ${args.join(' ')} into a pipe closed after the first chunk exits 0 without an EPIPE trace`, async () => {
    const result = await runWithEarlyClosedStdout(args);
    assert.match(result.first, /Usage: base/);
    assert.doesNotMatch(result.stderr, /EPIPE|Error|\n\s+at /);
    assert.equal(result.signal, null);
    assert.equal(result.code, 0);
  });
}
