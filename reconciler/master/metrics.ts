/**
 * Prometheus metrics of one master instance (`prom-client`, one Registry per server so tests and several servers in
 * one process never share counters).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RouteClass } from './route-class.ts';

export interface MasterMetricsOptions {
  /** Process metrics (CPU, memory, event loop); off in tests for speed. */
  processMetrics?: boolean;
}

export class MasterMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'status'>;
  readonly upstreamLatency: Histogram<'slug'>;
  readonly transportFailures: Counter<'slug' | 'code'>;
  readonly reconcileRuns: Counter<'result'>;
  readonly reconcileFailures: Counter;
  readonly reconcileDuration: Histogram;
  readonly challengeHealth: Gauge<'slug'>;
  readonly challengeRunningTasks: Gauge<'slug'>;
  readonly storeAvailable: Gauge;
  readonly storeOutages: Gauge;
  readonly storeOutageSeconds: Gauge;
  readonly dockerAvailable: Gauge;
  readonly lastSealedEpoch: Gauge;

  constructor(options: MasterMetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'base_master_http_requests_total',
      help: 'HTTP requests answered, by route class and status code',
      labelNames: ['route', 'status'],
      registers,
    });
    this.upstreamLatency = new Histogram({
      name: 'base_master_proxy_upstream_seconds',
      help: 'Time until a challenge answered with response headers, per challenge',
      labelNames: ['slug'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.transportFailures = new Counter({
      name: 'base_master_proxy_transport_failures_total',
      help: 'Proxy requests that failed to reach a challenge (refused, DNS, timeout, reset), per challenge and code',
      labelNames: ['slug', 'code'],
      registers,
    });
    this.reconcileRuns = new Counter({
      name: 'base_master_reconcile_runs_total',
      help: 'Reconcile passes run from the master, by result',
      labelNames: ['result'],
      registers,
    });
    this.reconcileFailures = new Counter({
      name: 'base_master_reconcile_failures_total',
      help: 'Reconcile passes that failed',
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'base_master_reconcile_duration_seconds',
      help: 'Duration of reconcile passes',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.challengeHealth = new Gauge({
      name: 'base_master_challenge_healthy',
      help: '1 when the last probe of the challenge internal /health and /version succeeded, else 0',
      labelNames: ['slug'],
      registers,
    });
    this.challengeRunningTasks = new Gauge({
      name: 'base_master_challenge_running_tasks',
      help: 'Running Swarm tasks of the challenge service (from the Docker API)',
      labelNames: ['slug'],
      registers,
    });
    this.storeAvailable = new Gauge({ name: 'base_master_store_available', help: '1 while the control-plane store answers', registers });
    this.storeOutages = new Gauge({ name: 'base_master_store_outages', help: 'Store outages since the master started', registers });
    this.storeOutageSeconds = new Gauge({
      name: 'base_master_store_outage_seconds',
      help: 'Length of the current store outage in seconds (0 while available)',
      registers,
    });
    this.dockerAvailable = new Gauge({ name: 'base_master_docker_available', help: '1 while the Docker API answers', registers });
    this.lastSealedEpoch = new Gauge({ name: 'base_master_weights_last_sealed_epoch', help: 'Epoch of the newest sealed weights vector', registers });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'base_master_' });
  }

  countRequest(route: RouteClass, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
