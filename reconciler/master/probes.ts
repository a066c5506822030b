/**
 * Probes every active challenge's internal `/health` and `/version` (the challenge template's contract) on an
 * interval, all challenges at once, each request with a short timeout. Only the outcome is kept (ok, HTTP status,
 * a short version string, an error code, the time): never a body beyond the version, never an upstream address.
 */
import http from 'node:http';

export interface ProbeResult {
  ok: boolean;
  checkedAt: string;
  /** Status of `/health` (0 when no answer). */
  healthStatus: number;
  /** Status of `/version` (0 when no answer). */
  versionStatus: number;
  /** `version` (else `challenge_version`) from the `/version` JSON body, when it is a short printable string. */
  version: string | null;
  /** Short machine code when not ok: `ECONNREFUSED`, `timeout`, `status-503`, ... */
  error: string | null;
  durationMs: number;
}

export interface ProbeTargets {
  /** slug → `http://host:port` of every challenge to probe. */
  targets(): ReadonlyMap<string, string>;
}

export interface ChallengeProberOptions {
  targets: ProbeTargets;
  intervalMs?: number;
  timeoutMs?: number;
  onResult?: (slug: string, result: ProbeResult) => void;
  now?: () => Date;
}

const MAX_BODY = 16 * 1024;
const PRINTABLE_VERSION = /^[\x20-\x7e]{1,64}$/;

export class ChallengeProber {
  private readonly results = new Map<string, ProbeResult>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly agent = new http.Agent({ keepAlive: false });
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: ChallengeProberOptions) {
    this.intervalMs = options.intervalMs ?? 15_000;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.now = options.now ?? (() => new Date());
  }

  /** Last result per slug (only slugs that are still targets). */
  last(slug: string): ProbeResult | undefined {
    return this.results.get(slug);
  }

  all(): ReadonlyMap<string, ProbeResult> {
    return this.results;
  }

  start(): void {
    if (this.timer) return;
    void this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    this.agent.destroy();
  }

  /** One round over every target, concurrently; a round still running is not started twice. */
  probeAll(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      const targets = this.options.targets.targets();
      for (const slug of [...this.results.keys()]) if (!targets.has(slug)) this.results.delete(slug);
      await Promise.all(
        [...targets].map(async ([slug, origin]) => {
          const result = await this.probe(origin);
          this.results.set(slug, result);
          this.options.onResult?.(slug, result);
        }),
      );
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async probe(origin: string): Promise<ProbeResult> {
    const started = performance.now();
    const checkedAt = this.now().toISOString();
    const [health, version] = await Promise.all([this.get(`${origin}/health`), this.get(`${origin}/version`)]);
    const error = health.error ?? version.error ?? statusError(health.status) ?? statusError(version.status);
    return {
      ok: error === null,
      checkedAt,
      healthStatus: health.status,
      versionStatus: version.status,
      version: version.status === 200 ? versionOf(version.body) : null,
      error,
      durationMs: performance.now() - started,
    };
  }

  private get(url: string): Promise<{ status: number; body: Buffer; error: string | null }> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (value: { status: number; body: Buffer; error: string | null }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      };
      const req = http.get(url, { agent: this.agent, headers: { accept: 'application/json', 'user-agent': 'base-master-prober' } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY) chunks.push(chunk);
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), error: null }));
        res.on('error', () => done({ status: res.statusCode ?? 0, body: Buffer.alloc(0), error: 'reset' }));
      });
      const timer = setTimeout(() => {
        req.destroy();
        done({ status: 0, body: Buffer.alloc(0), error: 'timeout' });
      }, this.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => done({ status: 0, body: Buffer.alloc(0), error: errorCode(error) }));
    });
  }
}

function statusError(status: number): string | null {
  return status >= 200 && status < 300 ? null : `status-${status}`;
}

function errorCode(error: NodeJS.ErrnoException): string {
  return typeof error.code === 'string' && /^[A-Z0-9_]{1,32}$/.test(error.code) ? error.code : 'error';
}

/** `version` from the `/version` body; without a `version` key, `challenge_version` (the reference's field). */
function versionOf(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const fields = parsed as Record<string, unknown>;
    const version = 'version' in fields ? fields.version : fields.challenge_version;
    return typeof version === 'string' && PRINTABLE_VERSION.test(version) ? version : null;
  } catch {
    return null;
  }
}
