/**
 * The master's one HTTP listener: `/challenges/...` goes to the public proxy, a few fixed routes are served here,
 * anything else is a JSON 404. Every request is counted in metrics and logged as one JSON line.
 */
import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createProxyHandler } from './proxy/index.ts';
import type { ProxyEvent, ProxyHandler, ProxyOptions, UpstreamResolver } from './proxy/index.ts';
import { notFound, sendJson } from './http-json.ts';
import type { MasterLog } from './log.ts';
import type { MasterMetrics } from './metrics.ts';
import { routeClassOf } from './route-class.ts';
import type { RouteClass } from './route-class.ts';
import { adminRoute } from './routes/admin.ts';
import type { AdminRoutesDeps } from './routes/admin.ts';
import { healthRoute, metricsRoute, registryRoute, versionRoute, weightsRoute } from './routes/public.ts';
import type { PublicRoutesDeps } from './routes/public.ts';
import { dashboardSvgRoute, statusAssetRoute, statusPageRoute, weightsHistoryRoute } from './routes/status.ts';

export interface MasterServerOptions extends Omit<PublicRoutesDeps, 'weightsRetryAfterSeconds'> {
  resolver: UpstreamResolver;
  admin: AdminRoutesDeps;
  log: MasterLog;
  weightsRetryAfterSeconds?: number;
  /** Proxy tuning (limits, timeouts); the resolver and event hook are the server's. */
  proxy?: Omit<ProxyOptions, 'resolver' | 'onEvent'>;
}

export interface MasterServer {
  server: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting, lets in-flight requests finish (at most `graceMs`), closes keep-alive sockets, then drops
   * whatever is left. Resolves when the listener is closed.
   */
  shutdown(graceMs?: number): Promise<{ drained: boolean; abandoned: number }>;
  /** Requests whose response is not over yet. */
  inFlight(): number;
}

export function createMasterServer(options: MasterServerOptions): MasterServer {
  const { metrics, log } = options;
  const publicDeps: PublicRoutesDeps = { ...options, weightsRetryAfterSeconds: options.weightsRetryAfterSeconds ?? 30 };
  const proxy: ProxyHandler = createProxyHandler({
    ...options.proxy,
    resolver: options.resolver,
    onEvent: (event) => observeProxy(event),
  });
  const inFlight = new Set<ServerResponse>();
  let shuttingDown = false;

  function observeProxy(event: ProxyEvent): void {
    // Paths no route serves are handed to the proxy too (it recognises /CHALLENGES/..., /%63hallenges/...);
    // what it does not take as a proxy path is this server's plain 404.
    const route: RouteClass = event.outcome === 'not-proxy' ? 'not-found' : 'proxy';
    metrics.countRequest(route, event.status);
    const known = event.slug !== undefined && options.resolver.resolve(event.slug) !== undefined;
    if (known && event.upstreamMs !== undefined) metrics.upstreamLatency.observe({ slug: event.slug! }, event.upstreamMs / 1000);
    if (known && event.failure !== undefined) metrics.transportFailures.inc({ slug: event.slug!, code: event.failure });
    log.request({ method: event.method, route, slug: event.slug, status: event.status, durationMs: event.durationMs });
  }

  function track(res: ServerResponse, route: RouteClass, method: string, started: number): void {
    res.once('close', () => {
      inFlight.delete(res);
      if (route === 'proxy' || route === 'not-found') return; // counted and logged by observeProxy
      const status = res.headersSent ? res.statusCode : 0;
      metrics.countRequest(route, status);
      log.request({ method, route, status, durationMs: performance.now() - started });
    });
  }

  async function route(route: RouteClass, pathname: string, url: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    switch (route) {
      case 'registry':
        return registryRoute(publicDeps, req, res);
      case 'weights':
        if (pathname === '/v1/weights') return weightsHistoryRoute(publicDeps, url, req, res);
        return weightsRoute(publicDeps, pathname, req, res);
      case 'status':
        if (pathname === '/') return statusPageRoute(publicDeps, req, res);
        if (pathname === '/v1/challenges/dashboard.svg') return dashboardSvgRoute(publicDeps, req, res);
        return statusAssetRoute(pathname, req, res);
      case 'health':
        return healthRoute(publicDeps, req, res);
      case 'version':
        return versionRoute(publicDeps, req, res);
      case 'metrics':
        return metricsRoute(publicDeps, req, res);
      case 'admin':
        return adminRoute(options.admin, pathname, url, req, res);
      default:
        return notFound(res);
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const pathname = url.startsWith('/') ? (query < 0 ? url : url.slice(0, query)) : '';
    const routeClass = routeClassOf(pathname);
    inFlight.add(res);
    if (shuttingDown) res.shouldKeepAlive = false;
    track(res, routeClass, req.method ?? '', started);
    if (routeClass === 'proxy' || routeClass === 'not-found') return proxy(req, res);
    // Bodies are not used by any local route; drain them so the connection stays usable.
    req.resume();
    route(routeClass, pathname, url, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { detail: 'Internal error' });
      else res.destroy();
    });
  }

  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 0 }, handle);

  return {
    server,
    inFlight: () => inFlight.size,
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async shutdown(graceMs = 10_000) {
      shuttingDown = true;
      for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + graceMs;
      while (inFlight.size > 0 && Date.now() < deadline) {
        server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const abandoned = inFlight.size;
      server.closeIdleConnections();
      server.closeAllConnections();
      proxy.close();
      await closed;
      return { drained: abandoned === 0, abandoned };
    },
  };
}
