/** A master server on 127.0.0.1 with fakes for everything around it; logs captured as parsed JSON lines. */
import type { AddressInfo } from 'node:net';
import { parseDesiredState, requireValid, type SubnetDesiredState } from '../../desired-state/index.ts';
import type { Plan } from '../../plan/model.ts';
import type { ApplyRecord } from '../../store/index.ts';
import { adminAuth } from '../admin-auth.ts';
import { buildHealth, type HealthInputs } from '../health.ts';
import { jsonLog } from '../log.ts';
import { MasterMetrics } from '../metrics.ts';
import type { ProbeResult } from '../probes.ts';
import { buildRegistry } from '../registry.ts';
import { createMasterServer, type MasterServer, type MasterServerOptions } from '../server.ts';
import type { ChallengeTasks } from '../swarm-status.ts';
import { overlayUpstreams, targetResolver, upstreamTargets } from '../upstreams.ts';
import { noWeightsReader, type WeightsReader, type WeightsVector } from '../weights-reader.ts';

export { send, startUpstream } from '../proxy/test/support.ts';
export type { RecordingUpstream, SimpleResponse } from '../proxy/test/support.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** A valid development desired state: two active challenges (env, secrets, metadata), one inactive, one draft. */
export const DESIRED_YAML = `version: 1
subnet:
  name: testnet
  netuid: 7
  environment: development
  chain_endpoint: ws://127.0.0.1:9944
  epoch_interval_seconds: 12
  burn_uid: 3
master:
  image: 127.0.0.1:5000/base/master:1.0.0
  admin_token_secret: base-admin-token
networks:
  - name: base-challenges
    encrypted: true
challenges:
  - slug: alpha
    name: Alpha
    description: The first one.
    image: 127.0.0.1:5000/alpha:1.0.0
    version: 1.0.0
    status: active
    emission_percent: 12.5
    port: 8000
    resources: { cpus: "1.5", memory: 512M, pids: 128 }
    env:
      LOG_LEVEL: very-visible-env-value-alpha
      UPSTREAM_URL: https://judge.internal.example/private-env-url
      JUDGE_API_TOKEN_FILE: /run/secrets/alpha-judge-token
    secrets: [alpha-judge-token, alpha-db-password-secret]
    required_capabilities: [gpu]
    metadata:
      tagline: Alpha tagline
      summary: Alpha summary
      category: test
      docs_url: https://docs.example/alpha
      repository_url: https://github.com/example/alpha
      website_url: https://alpha.example
      icon_url: https://alpha.example/icon.png
      banner_url: https://alpha.example/banner.png
  - slug: beta
    name: Beta
    image: 127.0.0.1:5000/beta:2.0.0
    status: active
    emission_percent: 30
    env: { MODE: beta-env-value-should-not-leak }
    secrets: [beta-secret-name]
  - slug: gamma
    name: Gamma
    image: 127.0.0.1:5000/gamma:0.1.0
    status: inactive
    emission_percent: 0
  - slug: delta
    name: Delta Draft
    image: 127.0.0.1:5000/delta:0.0.1
    status: draft
    emission_percent: 0
`;

export function desiredState(text = DESIRED_YAML): SubnetDesiredState {
  return requireValid(parseDesiredState(text, 'test-subnet.yaml'));
}

export interface TestMaster {
  url: string;
  port: number;
  master: MasterServer;
  metrics: MasterMetrics;
  /** Parsed log lines. */
  logs: Array<Record<string, unknown>>;
  /** Raw log text, for leak checks. */
  rawLog: () => string;
  close(): Promise<void>;
}

export interface TestMasterOptions {
  upstreams?: Record<string, string>;
  desired?: SubnetDesiredState | null;
  adminToken?: string | null;
  weights?: WeightsReader;
  /** Sealed vectors newest first, as the store lists them; absent = a master without a store. */
  weightsHistory?: (limit: number, before?: number) => Promise<WeightsVector[]>;
  tasks?: ReadonlyMap<string, ChallengeTasks> | null;
  probes?: ReadonlyMap<string, ProbeResult>;
  health?: Partial<HealthInputs>;
  lastPlan?: Plan | null;
  plan?: () => Promise<Plan>;
  applies?: (limit: number) => Promise<ApplyRecord[]>;
  reconcile?: () => { accepted: boolean; detail: string };
  proxy?: MasterServerOptions['proxy'];
}

export async function startTestMaster(options: TestMasterOptions = {}): Promise<TestMaster> {
  const desired = options.desired === undefined ? desiredState() : options.desired;
  const upstreams = options.upstreams ? new Map(Object.entries(options.upstreams)) : overlayUpstreams(desired);
  const targets = upstreamTargets(upstreams, desired);
  const metrics = new MasterMetrics();
  let raw = '';
  const logs: Array<Record<string, unknown>> = [];
  const log = jsonLog((line) => {
    raw += line;
    logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const master = createMasterServer({
    version: '9.8.7',
    resolver: targetResolver(() => targets),
    metrics,
    log,
    weights: options.weights ?? noWeightsReader,
    ...(options.weightsHistory ? { weightsHistory: options.weightsHistory } : {}),
    weightsRetryAfterSeconds: 12,
    registry: () =>
      buildRegistry({
        desired,
        revision: 'abc123',
        signingKey: { publicKey: `0x${'11'.repeat(32)}`, ss58: '5TestSs58' },
        tasks: options.tasks === undefined ? null : options.tasks,
        probes: options.probes ?? new Map(),
        now: new Date('2026-01-01T00:00:00Z'),
      }),
    health: () =>
      buildHealth({
        version: '9.8.7',
        startedAt: new Date('2026-01-01T00:00:00Z'),
        now: new Date('2026-01-01T00:01:00Z'),
        docker: null,
        store: null,
        weights: null,
        desired: { loaded: true, file: 'x', error: null },
        signingKey: null,
        challenges: { probed: 0, healthy: 0 },
        ...options.health,
      }),
    admin: {
      auth: adminAuth(options.adminToken === undefined ? ADMIN_TOKEN : options.adminToken),
      lastPlan: () => options.lastPlan ?? null,
      plan: options.plan,
      applies: options.applies,
      reconcile: options.reconcile,
    },
    ...(options.proxy ? { proxy: options.proxy } : {}),
  });
  const address: AddressInfo = await master.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    master,
    metrics,
    logs,
    rawLog: () => raw,
    close: async () => {
      await master.shutdown(1_000);
    },
  };
}

/** Waits until the server's log has `count` request lines (responses are logged when they close). */
export async function logged(master: TestMaster, count: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (master.logs.filter((l) => l.msg === 'request').length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} request log lines, found ${master.logs.length}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
