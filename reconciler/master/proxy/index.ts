/**
 * The master's public proxy `ANY /challenges/{slug}[/{path}]` as a plain Node `http` request handler, so the server
 * can mount it in `http.createServer` (route `/challenges/...` to it, everything else elsewhere).
 * Rules: see README.md in this folder.
 */
export { createProxyHandler } from './proxy-handler.ts';
export type {
  ProxyEvent,
  ProxyHandler,
  ProxyOptions,
  ProxyOutcome,
  UpstreamResolver,
  UpstreamTarget,
} from './proxy-handler.ts';
export { classifyProxyPath, decodeUntilStable, isBlockedSubPath, segmentKey } from './classify-path.ts';
export type { ProxyPathClass } from './classify-path.ts';
export { clientResponseHeaders, upstreamRequestHeaders } from './headers.ts';
export { compileRoutes } from './route-matcher.ts';
export type { RouteMatcher, RoutePattern } from './route-matcher.ts';
export { staticUpstreamResolver } from './static-resolver.ts';
