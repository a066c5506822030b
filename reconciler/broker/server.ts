/**
 * The broker's HTTP surface, compatible with the reference broker's routes: `GET /health`, `POST /v1/docker/run`,
 * `/v1/docker/cleanup`, `/v1/docker/list`, authenticated by `Authorization: Bearer <token>` and
 * `X-Base-Challenge-Slug` with the reference's status codes and `detail` strings. The policy is read on every request
 * (so an applied change reaches the broker without a restart).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { parseMemoryBytes } from '../desired-state/resources.ts';
import { runCompat, type CompatRunDeps } from './compat-run.ts';
import { runNetworkName } from './compile-run.ts';
import type { BrokerPolicy } from './policy.ts';
import { parseRunRequest } from './run-request.ts';
import type { SwarmRunBackend } from './swarm-backend.ts';

export interface BrokerServerOptions {
  policy: () => BrokerPolicy;
  backend: SwarmRunBackend;
  mode: CompatRunDeps['mode'];
  encryptNetwork: boolean;
  pollMs?: number;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

const SLUG = /^[a-z0-9][a-z0-9-]{0,46}[a-z0-9]$/;

export function createBrokerServer(options: BrokerServerOptions): http.Server {
  const cancelled = new Set<string>();
  let lock: Promise<unknown> = Promise.resolve();
  const withAdmissionLock = <T>(work: () => Promise<T>): Promise<T> => {
    const next = lock.then(work, work);
    lock = next.catch(() => undefined);
    return next;
  };

  async function route(req: http.IncomingMessage, body: Buffer | null): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://broker');
    if (url.pathname === '/health' && req.method === 'GET') return { status: 200, body: { status: 'ok' } };
    const compat = ['/v1/docker/run', '/v1/docker/cleanup', '/v1/docker/list'];
    if (!compat.includes(url.pathname)) return { status: 404, body: { detail: 'Not Found' } };
    if (req.method !== 'POST') return { status: 405, body: { detail: 'Method Not Allowed' } };
    const policy = options.policy();
    const slug = authenticate(req, policy);
    if (typeof slug !== 'string') return slug;
    const grant = policy.grants.get(slug);
    if (!grant) return { status: 403, body: { detail: `challenge '${slug}' has no broker grant (jobs: in subnet.yaml)` } };
    if (body === null) return { status: 413, body: { detail: `request body above ${policy.maxRequestBytes} bytes` } };
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8') || 'null');
    } catch {
      return { status: 422, body: { detail: [{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error' }] } };
    }

    if (url.pathname === '/v1/docker/run') {
      const parsed = parseRunRequest(json);
      if (!parsed.ok) return { status: 422, body: { detail: parsed.detail } };
      const result = await runCompat(
        parsed.request,
        { slug, grant, defaults: policy.defaults, datasets: policy.datasets, production: policy.production },
        {
          backend: options.backend,
          withAdmissionLock,
          global: policy.global,
          mode: options.mode,
          policyRevision: policy.revision,
          encryptNetwork: options.encryptNetwork,
          logCapBytes: parseMemoryBytes(grant.per_job.max_log_bytes) ?? 5 * 1024 * 1024,
          cancelled,
          ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        },
      );
      return { status: result.status, body: result.body, ...('retryAfterSeconds' in result && result.retryAfterSeconds ? { headers: { 'retry-after': String(result.retryAfterSeconds) } } : {}) };
    }

    const jobId = (json as { job_id?: unknown } | null)?.job_id;
    if (url.pathname === '/v1/docker/cleanup') {
      if (typeof jobId !== 'string' || jobId.length < 1 || jobId.length > 128) return { status: 422, body: { detail: [{ type: 'string_type', loc: ['body', 'job_id'], msg: 'Input should be a valid string' }] } };
      const runs = await options.backend.listRuns({ slug, jobId });
      for (const run of runs) cancelled.add(run.runId);
      await Promise.all(runs.map((run) => options.backend.remove(run.serviceId, runNetworkName(run.runId))));
      return { status: 200, body: { status: 'ok' } };
    }
    if (jobId !== undefined && jobId !== null && typeof jobId !== 'string') return { status: 422, body: { detail: [{ type: 'string_type', loc: ['body', 'job_id'], msg: 'Input should be a valid string' }] } };
    const runs = await options.backend.listRuns({ slug, ...(typeof jobId === 'string' ? { jobId } : {}) });
    return {
      status: 200,
      body: {
        containers: runs.map((run) => ({
          container_id: run.serviceId,
          container_name: run.name,
          image: run.image,
          status: run.state,
          job_id: run.jobId,
          task_id: run.taskId,
          created: new Date(run.createdAt * 1000).toISOString(),
          labels: Object.fromEntries(Object.entries(run.labels).filter(([key]) => ['base.job', 'base.task', 'base.challenge'].includes(key))),
        })),
      },
    };
  }

  return http.createServer((req, res) => {
    const limit = (() => {
      try {
        return options.policy().maxRequestBytes;
      } catch {
        return 8 * 1024 * 1024;
      }
    })();
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      route(req, over ? null : Buffer.concat(chunks))
        .catch((error: unknown) => ({ status: 503, body: { detail: `broker backend unavailable: ${error instanceof Error ? error.message : String(error)}` }, headers: { 'retry-after': '5' } }))
        .then((reply) => {
          const text = JSON.stringify(reply.body);
          res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(reply.headers ?? {}) });
          res.end(text);
        });
    });
  });
}

/** The reference's order: no slug → 400; no token for the slug → 401 unknown; wrong token → 401 invalid. */
function authenticate(req: http.IncomingMessage, policy: BrokerPolicy): string | Reply {
  const slug = req.headers['x-base-challenge-slug'];
  if (typeof slug !== 'string' || slug.length === 0) return { status: 400, body: { detail: 'missing challenge slug' } };
  const expected = SLUG.test(slug) ? policy.tokenHashes.get(slug) : undefined;
  if (expected === undefined) return { status: 401, body: { detail: 'unknown challenge' } };
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  const presented = createHash('sha256').update(token).digest();
  const wanted = Buffer.from(expected, 'hex');
  if (token === '' || wanted.length !== presented.length || !timingSafeEqual(presented, wanted)) return { status: 401, body: { detail: 'invalid broker token' } };
  return slug;
}
