/** Route classes: the label of metrics and logs (bounded cardinality; never the raw path). */
export type RouteClass = 'proxy' | 'registry' | 'weights' | 'health' | 'version' | 'metrics' | 'admin' | 'status' | 'not-found';

export function routeClassOf(pathname: string): RouteClass {
  if (pathname === '/challenges' || pathname.startsWith('/challenges/')) return 'proxy';
  if (pathname === '/v1/registry') return 'registry';
  if (pathname === '/v1/weights' || pathname.startsWith('/v1/weights/')) return 'weights';
  if (pathname === '/health') return 'health';
  if (pathname === '/version') return 'version';
  if (pathname === '/metrics') return 'metrics';
  if (pathname === '/' || pathname === '/v1/challenges/dashboard.svg' || pathname === '/status-page.js' || pathname === '/favicon.svg') return 'status';
  if (pathname === '/admin' || pathname.startsWith('/admin/')) return 'admin';
  return 'not-found';
}
