/**
 * Benchmark (make bench): 50 challenges on the test bed, in one run:
 *  (a) `base plan` as a whole process, (b) a no-op `base apply`, (c) the anchor: re-running `docker stack deploy`
 *  with an equivalent compose file and no change, (d) one drift check inside a running reconcile loop.
 * For each: wall time, Docker API write calls (through a counting proxy on a unix socket between the client and
 * dockerd), service Version bumps and task restarts. Prints ONE JSON object on stdout; progress goes to stderr.
 * Everything it creates (50 challenges, the 50-service stack, volumes, secrets, networks) is removed at the end.
 */
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { dockerClient } from '../live/index.ts';
import { ReconcileLoop } from '../loop/index.ts';
import { startCountingProxy, type CountingProxy } from './test/counting-proxy.ts';
import { Fixture, REPO_ROOT, testImages } from './test/support.ts';
import { runApply } from './run-apply.ts';
import { briefPlanText } from './plan-text.ts';

const COUNT = Number(process.env.BENCH_CHALLENGES ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Snapshot {
  versions: Map<string, number>;
  tasks: Set<string>;
}

async function snapshot(fx: Fixture, prefixes: string[]): Promise<Snapshot> {
  const services = (await fx.docker.listServices()) as Array<{ ID: string; Spec: { Name: string }; Version: { Index: number } }>;
  const mine = services.filter((s) => prefixes.some((p) => s.Spec.Name.startsWith(p)));
  const ids = new Set(mine.map((s) => s.ID));
  const tasks = (await fx.docker.listTasks()) as Array<{ ID: string; ServiceID: string }>;
  return { versions: new Map(mine.map((s) => [s.Spec.Name, s.Version.Index])), tasks: new Set(tasks.filter((t) => ids.has(t.ServiceID)).map((t) => t.ID)) };
}

function compare(before: Snapshot, after: Snapshot): { version_bumps: number; task_restarts: number } {
  let bumps = 0;
  for (const [name, version] of after.versions) if (before.versions.has(name) && before.versions.get(name) !== version) bumps += 1;
  let restarts = 0;
  for (const id of after.tasks) if (!before.tasks.has(id)) restarts += 1;
  return { version_bumps: bumps, task_restarts: restarts };
}

interface Measurement {
  wall_ms: number;
  docker_write_calls: number;
  docker_requests: number;
  version_bumps: number;
  task_restarts: number;
  exit_code?: number | null;
  writes_sample?: string[];
}

async function measure(
  fx: Fixture,
  proxy: CountingProxy,
  prefixes: string[],
  run: () => Promise<number | null | void>,
): Promise<Measurement> {
  const before = await snapshot(fx, prefixes);
  proxy.reset();
  const started = performance.now();
  const exit = await run();
  const wall = performance.now() - started;
  const writes = proxy.writes();
  const requests = proxy.requests().length;
  await sleep(1000); // let a rolling update, if any, create its tasks before counting
  const after = await snapshot(fx, prefixes);
  return {
    wall_ms: Math.round(wall * 10) / 10,
    docker_write_calls: writes.length,
    docker_requests: requests,
    ...compare(before, after),
    ...(exit !== undefined ? { exit_code: exit } : {}),
    ...(writes.length ? { writes_sample: writes.slice(0, 5) } : {}),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summarize(runs: Measurement[]) {
  return {
    wall_ms_median: median(runs.map((r) => r.wall_ms)),
    docker_write_calls: Math.max(...runs.map((r) => r.docker_write_calls)),
    version_bumps: Math.max(...runs.map((r) => r.version_bumps)),
    task_restarts: Math.max(...runs.map((r) => r.task_restarts)),
    runs,
  };
}

/** A compose file equivalent to the 50 challenge services (same image, env, volume, secret, network, deploy config). */
function composeFile(stack: string, image: string, tokenDir: string): string {
  const services: Record<string, unknown> = {};
  const volumes: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (let i = 0; i < COUNT; i++) {
    const name = `c${String(i).padStart(2, '0')}`;
    services[name] = {
      image,
      environment: {
        BASE_CHALLENGE_SLUG: `${stack}-${name}`,
        CHALLENGE_DATABASE_URL: 'sqlite+aiosqlite:////data/challenge.sqlite3',
        CHALLENGE_SHARED_TOKEN_FILE: '/run/secrets/challenge_token',
      },
      volumes: [`${name}-data:/data`],
      secrets: [{ source: `${name}-token`, target: 'challenge_token', uid: '1000', gid: '1000', mode: 0o400 }],
      networks: ['challenges'],
      stop_grace_period: '10s',
      deploy: {
        mode: 'replicated',
        replicas: 1,
        endpoint_mode: 'dnsrr',
        placement: { constraints: ['node.role==manager'] },
        restart_policy: { condition: 'on-failure', delay: '5s', max_attempts: 3 },
        update_config: { parallelism: 1, failure_action: 'rollback', monitor: '15s', order: 'stop-first' },
        rollback_config: { parallelism: 1, failure_action: 'pause', monitor: '15s', order: 'stop-first' },
        labels: { 'base.challenge.emission-percent': '1', 'base.challenge.slug': `${stack}-${name}` },
      },
    };
    volumes[`${name}-data`] = {};
    secrets[`${name}-token`] = { file: path.join(tokenDir, name) };
  }
  return stringify({
    version: '3.8',
    services,
    networks: { challenges: { driver: 'overlay', driver_opts: { encrypted: '', 'com.docker.network.driver.mtu': '1450' } } },
    volumes,
    secrets,
  });
}

async function waitForStack(fx: Fixture, stack: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { stdout } = await execa('docker', ['service', 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '--format', '{{.Replicas}}']);
    const replicas = stdout.split('\n').filter(Boolean);
    if (replicas.length === COUNT && replicas.every((r) => r === '1/1')) return;
    if (Date.now() > deadline) throw new Error(`stack ${stack} did not converge: ${replicas.join(' ')}`);
    await sleep(1000);
  }
}

async function removeStack(fx: Fixture, stack: string): Promise<void> {
  await execa('docker', ['stack', 'rm', stack], { reject: false });
  const deadline = Date.now() + 180_000;
  for (;;) {
    const containers = (await fx.docker.listContainers({ all: true, filters: { label: [`com.docker.stack.namespace=${stack}`] } })) as unknown[];
    const networks = (await fx.docker.listNetworks({ filters: { label: [`com.docker.stack.namespace=${stack}`] } })) as unknown[];
    if ((containers.length === 0 && networks.length === 0) || Date.now() > deadline) break;
    await sleep(1000);
  }
  const volumes = ((await fx.docker.listVolumes({ filters: { label: [`com.docker.stack.namespace=${stack}`] } })) as { Volumes: Array<{ Name: string }> | null }).Volumes ?? [];
  for (const v of volumes) await fx.docker.getVolume(v.Name).remove().catch(() => undefined);
}

async function main(): Promise<void> {
  const { http } = await testImages();
  const fx = await Fixture.create('bench');
  const stack = `${fx.prefix}stack`;
  const prefixes = [`challenge-${fx.prefix}-`];
  const stackPrefixes = [`${stack}_`];
  let proxy: CountingProxy | null = null;
  let loop: ReconcileLoop | null = null;
  let countedLoop: ReconcileLoop | null = null;
  try {
    await fx.write(Array.from({ length: COUNT }, (_, i) => ({ name: `c${String(i).padStart(2, '0')}`, image: http, emission_percent: 1 })));
    log(`applying ${COUNT} challenges (${fx.prefix})...`);
    const setup = await runApply(
      { file: fx.file, docker: fx.docker, state: fx.state, autoApprove: true, lockTimeoutMs: 60_000, scope: fx.scope, revision: 'bench', rollout: { pollMs: 100, stableMs: 300, timeoutMs: 120_000 } },
      { out: () => undefined, err: (t) => process.stderr.write(t), renderPlan: briefPlanText, confirm: null },
    );
    if (setup.status !== 'applied' || setup.exitCode !== 0) throw new Error(`setup apply did not succeed: ${setup.status}`);
    const setupMs = Date.parse(setup.result.finished_at) - Date.parse(setup.result.started_at);

    log(`deploying the equivalent ${COUNT}-service stack ${stack}...`);
    const tokenDir = path.join(fx.dir, 'stack-tokens');
    await mkdir(tokenDir, { recursive: true, mode: 0o700 });
    for (let i = 0; i < COUNT; i++) await writeFile(path.join(tokenDir, `c${String(i).padStart(2, '0')}`), `bench-token-${i}`, { mode: 0o600 });
    const compose = path.join(fx.dir, 'compose.yml');
    await writeFile(compose, composeFile(stack, http, tokenDir));
    await execa('docker', ['stack', 'deploy', '--compose-file', compose, stack]);
    await waitForStack(fx, stack);

    proxy = await startCountingProxy(path.join(fx.dir, 'docker-proxy.sock'));
    const dockerHost = `unix://${proxy.socketPath}`;
    const cli = (args: string[]) => execa(process.execPath, [path.join(REPO_ROOT, 'bin/base.mjs'), ...args], { cwd: REPO_ROOT, reject: false });

    const plans: Measurement[] = [];
    const applies: Measurement[] = [];
    const stacks: Measurement[] = [];
    const startups: Measurement[] = [];
    const inProcess: Measurement[] = [];
    for (let run = 0; run < RUNS; run++) {
      log(`run ${run + 1}/${RUNS}: base plan, no-op base apply, docker stack deploy re-run`);
      plans.push(await measure(fx, proxy, [...prefixes, ...stackPrefixes], async () => (await cli(['plan', fx.file, '--state-dir', fx.state.dir, '--docker-host', dockerHost])).exitCode ?? null));
      applies.push(
        await measure(fx, proxy, [...prefixes, ...stackPrefixes], async () => {
          const result = await cli(['apply', fx.file, '--auto-approve', '--state-dir', fx.state.dir, '--docker-host', dockerHost, '--revision', 'bench', ...fx.onlyPrefixArgs]);
          if (!/No changes/.test(result.stdout)) log(`no-op apply was not a no-op:\n${result.stdout}\n${result.stderr}`);
          return result.exitCode ?? null;
        }),
      );
      stacks.push(await measure(fx, proxy, [...prefixes, ...stackPrefixes], async () => (await execa('docker', ['-H', dockerHost, 'stack', 'deploy', '--compose-file', compose, stack], { reject: false })).exitCode ?? null));
      // What a process costs before doing anything: Node + tsx + registering every command module.
      startups.push(await measure(fx, proxy, [], async () => (await cli(['--version'])).exitCode ?? null));
      // The same no-op apply inside this process: the reconciler's own work without process start-up.
      inProcess.push(
        await measure(fx, proxy, [...prefixes, ...stackPrefixes], async () => {
          const outcome = await runApply(
            { file: fx.file, docker: dockerClient(dockerHost), state: fx.state, autoApprove: true, lockTimeoutMs: 30_000, scope: fx.scope, revision: 'bench' },
            { out: () => undefined, err: () => undefined, renderPlan: briefPlanText, confirm: null },
          );
          if (outcome.status !== 'no-changes') log(`in-process no-op apply was not a no-op: ${outcome.status}`);
          return outcome.exitCode;
        }),
      );
    }

    log('drift checks inside a running reconcile loop');
    // Timed with the loop's own client straight on the engine socket (as the loop runs in production); a second
    // loop whose client goes through the counting proxy shows that a drift check writes nothing.
    const startLoop = (docker: ReturnType<typeof dockerClient>) => {
      const started = new ReconcileLoop({
        file: fx.file,
        docker,
        state: fx.state,
        scope: fx.scope,
        driftIntervalMs: 3_600_000,
        gitPollMs: null,
        watchFile: false,
        log: () => undefined,
      });
      started.start();
      return started;
    };
    loop = startLoop(dockerClient());
    countedLoop = startLoop(dockerClient(dockerHost));
    const deadline = Date.now() + 60_000;
    while ((loop.history.length === 0 || countedLoop.history.length === 0) && Date.now() < deadline) await sleep(50);
    const firstPass = loop.history[0]?.result.kind ?? 'none';
    const drifts: Measurement[] = [];
    const breakdown: Array<{ observe_ms: number; plan_ms: number }> = [];
    for (let i = 0; i < 7; i++) {
      drifts.push(
        await measure(fx, proxy, [...prefixes, ...stackPrefixes], async () => {
          const check = await loop!.driftCheck();
          breakdown.push({ observe_ms: Math.round(check.timings.observeMs * 10) / 10, plan_ms: Math.round(check.timings.planMs * 10) / 10 });
          if (check.changes !== 0) log(`drift check found ${check.changes} changes`);
        }),
      );
    }
    const counted: Measurement[] = [];
    for (let i = 0; i < 2; i++) counted.push(await measure(fx, proxy, [...prefixes, ...stackPrefixes], async () => void (await countedLoop!.driftCheck())));

    const plan = summarize(plans);
    const apply = summarize(applies);
    const anchor = summarize(stacks);
    const drift = summarize(drifts);
    const result = {
      benchmark: 'reconciler: plan / no-op apply / docker stack deploy re-run / drift check',
      challenges: COUNT,
      runs: RUNS,
      setup: { initial_apply_ms: setupMs },
      plan_process: plan,
      noop_apply_process: apply,
      stack_deploy_rerun_anchor: anchor,
      cli_startup_process: summarize(startups),
      noop_apply_in_process: summarize(inProcess),
      drift_check_in_loop: {
        ...drift,
        // Drift checks through the counting proxy: what the Docker API saw.
        docker_write_calls: Math.max(...counted.map((r) => r.docker_write_calls)),
        docker_requests_per_check: counted[0]?.docker_requests ?? null,
        breakdown,
        first_loop_pass: firstPass,
      },
      ratios_vs_anchor: {
        plan_wall: Math.round((plan.wall_ms_median / anchor.wall_ms_median) * 100) / 100,
        noop_apply_wall: Math.round((apply.wall_ms_median / anchor.wall_ms_median) * 100) / 100,
        noop_apply_in_process_wall: Math.round((summarize(inProcess).wall_ms_median / anchor.wall_ms_median) * 100) / 100,
        drift_check_wall: Math.round((drift.wall_ms_median / anchor.wall_ms_median) * 1000) / 1000,
      },
      targets: {
        noop_apply_zero_writes: apply.docker_write_calls === 0,
        noop_apply_zero_version_bumps: apply.version_bumps === 0,
        noop_apply_zero_task_restarts: apply.task_restarts === 0,
        noop_apply_at_most_2x_anchor: apply.wall_ms_median <= 2 * anchor.wall_ms_median,
        drift_check_under_150ms: drift.wall_ms_median < 150,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await loop?.stop();
    await countedLoop?.stop();
    await proxy?.close();
    log('cleaning up');
    await removeStack(fx, stack);
    await fx.cleanup();
  }
}

await main();
