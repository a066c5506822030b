/**
 * A set of `method + path pattern` routes compiled once (per loaded desired state) into a matcher for the proxy's
 * hot path. Patterns are matched on the canonical, decoded segments `classifyProxyPath` gives: a literal segment
 * must be equal, a `{name}` segment matches any one segment, and the segment counts must be equal. Routes are
 * grouped by method and segment count, so a request is compared only with patterns of its own shape.
 */
export interface RoutePattern {
  methods: readonly string[];
  path: string;
}

export interface RouteMatcher {
  matches(method: string | undefined, segments: readonly string[]): boolean;
}

/** A segment of a compiled pattern: the literal to compare, or null for a placeholder. */
type CompiledPattern = ReadonlyArray<string | null>;

class CompiledRoutes implements RouteMatcher {
  constructor(private readonly byMethod: ReadonlyMap<string, ReadonlyMap<number, readonly CompiledPattern[]>>) {}

  matches(method: string | undefined, segments: readonly string[]): boolean {
    if (method === undefined) return false;
    const patterns = this.byMethod.get(method)?.get(segments.length);
    if (patterns === undefined) return false;
    for (const pattern of patterns) {
      let i = 0;
      for (; i < pattern.length; i++) {
        const literal = pattern[i];
        if (literal !== null && literal !== segments[i]) break;
      }
      if (i === pattern.length) return true;
    }
    return false;
  }
}

/** Compiles routes into a matcher; undefined when there are none (the caller then skips matching entirely). */
export function compileRoutes(routes: readonly RoutePattern[]): RouteMatcher | undefined {
  if (routes.length === 0) return undefined;
  const byMethod = new Map<string, Map<number, CompiledPattern[]>>();
  for (const route of routes) {
    const pattern = route.path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => (segment.length > 2 && segment.startsWith('{') && segment.endsWith('}') ? null : segment));
    for (const method of route.methods) {
      let bySize = byMethod.get(method);
      if (bySize === undefined) byMethod.set(method, (bySize = new Map()));
      let list = bySize.get(pattern.length);
      if (list === undefined) bySize.set(pattern.length, (list = []));
      list.push(pattern);
    }
  }
  return new CompiledRoutes(byMethod);
}
