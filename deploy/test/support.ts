/**
 * Helpers for the tests of deploy/: run a script with a PATH whose `docker`, `systemctl`, `curl`, `install`,
 * `nvidia-smi`, `nvidia-container-runtime` and `sed -i`-style host changers are recorders, so a test sees every
 * command a script actually ran and nothing reaches the host.
 */
import { execa } from 'execa';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const DEPLOY = path.join(REPO_ROOT, 'deploy');

export interface FakeHost {
  dir: string;
  /** A daemon.json that sets no-new-privileges, for --daemon-json-path. */
  daemonJson: string;
  bin: string;
  log: string;
  /** Lines `<command> <args...>` of every recorded call, in order. */
  calls(): Promise<string[]>;
  /** The environments every recorded command saw, concatenated. */
  childEnv(): Promise<string>;
  /** Everything the recorder of `command` read on its stdin. */
  stdin(command: string): Promise<string>;
}

/**
 * A folder of recorders. `answers` maps a command prefix (e.g. `docker version`) to what the recorder prints;
 * `failures` lists prefixes that exit 1 (e.g. `docker secret inspect`: not found); anything else prints nothing and
 * succeeds.
 */
const fakeHostDirs: string[] = [];
// One cleanup for every fake host of the test file (each test file runs in its own process).
process.once('exit', () => {
  for (const dir of fakeHostDirs) rmSync(dir, { recursive: true, force: true });
});

export async function fakeHost(answers: Record<string, string> = {}, failures: string[] = []): Promise<FakeHost> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-deploy-test-'));
  fakeHostDirs.push(dir);
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'calls.log');
  await writeFile(log, '');
  await execa('mkdir', ['-p', bin]);
  const cases = [
    ...failures.map((prefix) => `  ${JSON.stringify(prefix)}*) exit 1 ;;`),
    ...Object.entries(answers).map(([prefix, out]) => `  ${JSON.stringify(prefix)}*) printf '%s\\n' ${shellQuote(out)} ;;`),
  ].join('\n');
  for (const name of ['docker', 'systemctl', 'curl', 'nvidia-smi', 'nvidia-container-runtime']) {
    const script = `#!/bin/bash\nprintf '%s\\n' "${name} $*" >>${shellQuote(log)}\nenv >>${shellQuote(path.join(dir, 'children.env'))}\n[ -t 0 ] || cat >>${shellQuote(path.join(dir, `${name}.stdin`))}\ncase "${name} $*" in\n${cases}\nesac\nexit 0\n`;
    await writeFile(path.join(bin, name), script);
    await chmod(path.join(bin, name), 0o755);
  }
  // `node bin/base.mjs ...` (the reconciler) is recorded; `apply` stops there, read-only commands (validate) and any
  // other node use run the real node.
  const node = [
    '#!/bin/bash',
    `if [ "$1" = bin/base.mjs ]; then printf '%s\\n' "node $*" >>${shellQuote(log)}; env >>${shellQuote(path.join(dir, 'children.env'))}; [ "$2" = apply ] && exit 0; fi`,
    `exec ${shellQuote(process.execPath)} "$@"`,
    '',
  ].join('\n');
  await writeFile(path.join(bin, 'node'), node);
  await chmod(path.join(bin, 'node'), 0o755);
  // A host set up as deploy/README.md says: its daemon.json sets no-new-privileges (the installers check it).
  const daemonJson = path.join(dir, 'daemon.json');
  await writeFile(daemonJson, '{\n  "live-restore": false,\n  "no-new-privileges": true\n}\n');
  return { dir, bin, log, daemonJson, calls: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean),
    childEnv: async () => readFile(path.join(dir, 'children.env'), 'utf8').catch(() => ''),
    stdin: async (command) => readFile(path.join(dir, `${command}.stdin`), 'utf8').catch(() => ''),
  };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function runScript(script: string, args: string[], env: Record<string, string>, fake?: FakeHost) {
  const PATH = `${fake ? `${fake.bin}:` : ''}${path.dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`;
  return execa('bash', [path.join(DEPLOY, script), ...args], { reject: false, cwd: REPO_ROOT, env: { PATH, ...env }, extendEnv: false, stdin: 'ignore' });
}
