/**
 * Shared helpers for the reconciler's real-Swarm tests. Each test owns its objects through a unique prefix
 * (`challenge-<prefix>-*`, `<prefix>-*`) and the label base.test=<prefix> where it creates objects itself, and
 * removes all of them (services, secrets, networks, volumes) at the end.
 */
import Docker from 'dockerode';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { planPass, type Scope } from '../pipeline.ts';
import { runApply, type RunApplyOutcome } from '../run-apply.ts';
import { briefPlanText } from '../plan-text.ts';
import { openStateDir, type StateDir } from '../../state/index.ts';
import type { Plan } from '../../plan/model.ts';
import { readTestbedEndpoints, type TestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

export function readEndpoints(): TestbedEndpoints {
  return readTestbedEndpoints();
}

const SERVER_JS = `
const http = require('http'); const fs = require('fs'); const url = require('url');
process.on('SIGTERM', () => process.exit(0));
http.createServer((req, res) => {
  const u = url.parse(req.url, true);
  try {
    if (u.pathname === '/env') return res.end(JSON.stringify(process.env));
    if (u.pathname === '/token') return res.end(fs.readFileSync(process.env.CHALLENGE_SHARED_TOKEN_FILE, 'utf8'));
    if (u.pathname === '/write') { fs.writeFileSync('/data/' + u.query.f, String(u.query.v)); return res.end('written'); }
    if (u.pathname === '/read') return res.end(fs.readFileSync('/data/' + u.query.f, 'utf8'));
    res.end('ok ' + (process.env.BASE_CHALLENGE_SLUG || ''));
  } catch (e) { res.statusCode = 500; res.end(String(e)); }
}).listen(8000);
`;

export interface TestImages {
  /** Tiny HTTP challenge, pinned by digest: repo:tag@sha256:... */
  http: string;
  /** Same server, another digest (a different build). */
  http2: string;
  /** Exits at once with status 1. */
  crash: string;
}

// The challenge runs as the non-root user `node` (uid 1000), like real challenge images; /data belongs to it.
const DOCKERFILE = (cmd: string[]) =>
  ['ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'COPY . /app/', 'RUN mkdir -p /data && chown 1000:1000 /data', 'USER node', `CMD ${JSON.stringify(cmd)}`, ''].join('\n');

let images: Promise<TestImages> | null = null;

/** Tiny images FROM the test bed's base image, pushed to its registry (built once, reused by content). */
export function testImages(): Promise<TestImages> {
  images ??= (async () => {
    const endpoints = readTestbedEndpoints();
    const server = DOCKERFILE(['/usr/bin/node', '/app/server.js']);
    const [http, http2, crash] = await Promise.all([
      buildTestImage(endpoints, { repository: 'base-test/reconciler-http', files: { 'server.js': SERVER_JS }, dockerfile: server }),
      buildTestImage(endpoints, { repository: 'base-test/reconciler-http', files: { 'server.js': `${SERVER_JS}// build 2\n` }, dockerfile: server }),
      buildTestImage(endpoints, { repository: 'base-test/reconciler-crash', files: { 'crash.js': 'process.exit(1);\n' }, dockerfile: DOCKERFILE(['/usr/bin/node', '/app/crash.js']) }),
    ]);
    return { http: http.ref, http2: http2.ref, crash: crash.ref };
  })();
  return images;
}

export interface ChallengeSpec {
  name: string;
  image: string;
  status?: 'active' | 'inactive' | 'draft';
  emission_percent?: number;
  env?: Record<string, string>;
}

export class Fixture {
  readonly docker = new Docker();
  readonly scope: Scope;
  private constructor(
    readonly prefix: string,
    readonly dir: string,
    readonly state: StateDir,
  ) {
    this.scope = { namePrefixes: [`${prefix}-`, `challenge-${prefix}-`] };
  }

  static async create(tag: string): Promise<Fixture> {
    const prefix = `t${tag}${randomBytes(2).toString('hex')}`;
    const dir = await mkdtemp(path.join(os.tmpdir(), `base-itest-${prefix}-`));
    return new Fixture(prefix, dir, openStateDir(path.join(dir, 'state')));
  }

  get file(): string {
    return path.join(this.dir, 'subnet.yaml');
  }
  get network(): string {
    return `${this.prefix}-net`;
  }
  slug(name: string): string {
    return `${this.prefix}-${name}`;
  }
  service(name: string): string {
    return `challenge-${this.slug(name)}`;
  }
  /** --only-prefix arguments for CLI runs. */
  get onlyPrefixArgs(): string[] {
    return ['--only-prefix', ...this.scope.namePrefixes];
  }

  /** Writes the desired-state file: one attachable encrypted overlay, the given challenges. */
  async write(challenges: ChallengeSpec[], extra: { workers?: unknown[] } = {}): Promise<void> {
    const { http } = await testImages();
    const doc = {
      version: 1,
      subnet: { name: 'itest', netuid: 2, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
      master: { image: http },
      networks: [{ name: this.network, encrypted: true, mtu: 1450, attachable: true }],
      ...(extra.workers ? { workers: extra.workers } : {}),
      challenges: challenges.map((c) => ({
        slug: this.slug(c.name),
        name: `Test ${c.name}`,
        image: c.image,
        status: c.status ?? 'active',
        emission_percent: c.emission_percent ?? 10,
        ...(c.env ? { env: c.env } : {}),
      })),
    };
    await writeFile(this.file, stringify(doc));
  }

  async apply(options: { rolloutTimeoutMs?: number; lockTimeoutMs?: number } = {}): Promise<{ outcome: RunApplyOutcome; output: string }> {
    let output = '';
    const outcome = await runApply(
      {
        file: this.file,
        docker: this.docker,
        state: this.state,
        autoApprove: true,
        lockTimeoutMs: options.lockTimeoutMs ?? 30_000,
        scope: this.scope,
        revision: 'itest',
        rollout: { timeoutMs: options.rolloutTimeoutMs ?? 90_000, pollMs: 250 },
      },
      { out: (t) => (output += t), err: (t) => (output += t), renderPlan: briefPlanText, confirm: null },
    );
    return { outcome, output };
  }

  async plan(): Promise<Plan> {
    const { loadValid } = await import('../pipeline.ts');
    const loaded = await loadValid(this.file);
    if (!loaded.ok) throw new Error(`invalid test desired state: ${JSON.stringify(loaded.problems)}`);
    return (await planPass(loaded.state, { docker: this.docker, state: this.state, mint: false, scope: this.scope, allowMassDelete: true })).plan;
  }

  async serviceInfo(name: string): Promise<{ ID: string; Version: { Index: number }; Spec: Docker.ServiceSpec; UpdateStatus?: { State?: string } }> {
    return (await this.docker.getService(name).inspect()) as never;
  }

  async serviceVersions(): Promise<Record<string, number>> {
    const services = (await this.docker.listServices()) as Array<{ Spec: { Name: string }; Version: { Index: number } }>;
    return Object.fromEntries(services.filter((s) => s.Spec.Name.startsWith(`challenge-${this.prefix}-`)).map((s) => [s.Spec.Name, s.Version.Index]));
  }

  /** IDs of every task (any state) of the fixture's services, per service. */
  async taskIds(): Promise<Record<string, string[]>> {
    const tasks = (await this.docker.listTasks()) as Array<{ ID: string; ServiceID: string }>;
    const services = (await this.docker.listServices()) as Array<{ ID: string; Spec: { Name: string } }>;
    const result: Record<string, string[]> = {};
    for (const service of services.filter((s) => s.Spec.Name.startsWith(`challenge-${this.prefix}-`))) {
      result[service.Spec.Name] = tasks.filter((t) => t.ServiceID === service.ID).map((t) => t.ID).sort();
    }
    return result;
  }

  /** Runs a one-off container on the fixture's overlay network and returns what it fetched from `url`. */
  async fetchOnNetwork(url: string): Promise<string> {
    const { http } = await testImages();
    const script = `fetch(${JSON.stringify(url)}).then(async r => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 2); }, e => { console.error(String(e)); process.exit(3); })`;
    for (let attempt = 0; ; attempt++) {
      const result = await execa('docker', ['run', '--rm', '--network', this.network, '--label', `base.test=${this.prefix}`, http, '/usr/bin/node', '-e', script], { reject: false });
      if (result.exitCode === 0) return result.stdout;
      if (attempt >= 10) throw new Error(`fetch ${url} on ${this.network} failed: ${result.stderr || result.stdout}`);
      await sleep(1000); // DNS for a just-started task takes a moment
    }
  }

  /** Removes everything the fixture created: services, then secrets, networks and volumes with its prefix. */
  async cleanup(): Promise<void> {
    const docker = this.docker;
    const mine = (name: string | undefined) => name !== undefined && this.scope.namePrefixes.some((p) => name.startsWith(p));
    const services = (await docker.listServices()) as Array<{ ID: string; Spec: { Name: string } }>;
    for (const s of services.filter((s) => mine(s.Spec.Name))) await docker.getService(s.ID).remove().catch(() => undefined);
    const containers = (await docker.listContainers({ all: true, filters: { label: [`base.test=${this.prefix}`] } })) as Array<{ Id: string }>;
    for (const c of containers) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    // Task containers leave shortly after their service; volumes and networks are busy until then.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const left = (await docker.listContainers({ all: true })) as Array<{ Names: string[] }>;
      if (!left.some((c) => c.Names.some((n) => mine(n.replace(/^\//, '')))) || Date.now() > deadline) break;
      await sleep(500);
    }
    const secrets = (await docker.listSecrets()) as Array<{ ID: string; Spec: { Name: string } }>;
    for (const s of secrets.filter((s) => mine(s.Spec.Name))) await docker.getSecret(s.ID).remove().catch(() => undefined);
    for (let attempt = 0; attempt < 20; attempt++) {
      const networks = (await docker.listNetworks()) as Array<{ Id: string; Name: string }>;
      const left = networks.filter((n) => mine(n.Name));
      if (left.length === 0) break;
      for (const n of left) await docker.getNetwork(n.Id).remove().catch(() => undefined);
      await sleep(500);
    }
    const volumes = ((await docker.listVolumes()) as { Volumes: Array<{ Name: string }> | null }).Volumes ?? [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const left = (((await docker.listVolumes()) as { Volumes: Array<{ Name: string }> | null }).Volumes ?? []).filter((v) => mine(v.Name));
      if (left.length === 0) break;
      for (const v of left) await docker.getVolume(v.Name).remove().catch(() => undefined);
      await sleep(500);
    }
    void volumes;
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs the base CLI as its own process. */
export function baseCli(args: string[], options: { env?: Record<string, string> } = {}) {
  return execa(process.execPath, [path.join(REPO_ROOT, 'bin/base.mjs'), ...args], { reject: false, cwd: REPO_ROOT, env: options.env ?? {} });
}

export function changed(plan: Plan) {
  return plan.changes.filter((c) => c.action !== 'no-op');
}
