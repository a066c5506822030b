/**
 * Where `/challenges/<slug>` goes. Production: the active challenges of the desired state, by overlay DNS
 * (`http://challenge-<slug>:<port>`). Development and tests: a static `slug → origin` map (`--upstream`), which
 * then is the whole list.
 */
import type { SubnetDesiredState } from '../desired-state/index.ts';
import { effectiveSignedRoutes, unavailable503Routes } from '../desired-state/signed-routes.ts';
import { UserError } from '../errors/user-error.ts';
import { compileRoutes, type UpstreamResolver, type UpstreamTarget } from './proxy/index.ts';

const SLUG = /^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$/;
export const DEFAULT_CHALLENGE_PORT = 8000;

/** Active challenges → origins on the overlay network. Inactive and draft challenges are absent (→ 404). */
export function overlayUpstreams(desired: SubnetDesiredState | null): Map<string, string> {
  const map = new Map<string, string>();
  for (const challenge of desired?.challenges ?? []) {
    if (challenge.status !== 'active') continue;
    map.set(challenge.slug, `http://challenge-${challenge.slug}:${challenge.port ?? DEFAULT_CHALLENGE_PORT}`);
  }
  return map;
}

/**
 * The overlay map of whatever desired state `current` returns, rebuilt only when that state object changes (a
 * reload): the proxy resolves a slug on every request and must not rebuild the map each time.
 */
export function followOverlayUpstreams(current: () => SubnetDesiredState | null): () => ReadonlyMap<string, string> {
  let builtFrom: SubnetDesiredState | null | undefined;
  let map = new Map<string, string>();
  return () => {
    const state = current();
    if (state !== builtFrom) {
      map = overlayUpstreams(state);
      builtFrom = state;
    }
    return map;
  };
}

/** Parses repeated `--upstream slug=http://host:port` values. */
export function parseUpstreamFlags(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    const slug = eq < 0 ? '' : value.slice(0, eq);
    const origin = eq < 0 ? '' : value.slice(eq + 1);
    if (!SLUG.test(slug)) {
      throw new UserError(`--upstream ${JSON.stringify(value)}: expected slug=http://HOST:PORT with a slug of lower-case letters, digits and -`);
    }
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new UserError(`--upstream ${slug}=...: ${JSON.stringify(origin)} is not a URL; expected http://HOST:PORT`);
    }
    if (url.protocol !== 'http:' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.username || url.password) {
      throw new UserError(`--upstream ${slug}=...: expected an http origin without path, query or credentials (http://HOST:PORT), found ${url.protocol}//${url.host}${url.pathname}`);
    }
    if (map.has(slug)) throw new UserError(`--upstream: slug ${slug} is given twice`);
    map.set(slug, url.origin);
  }
  return map;
}

/**
 * The proxy's target per routed slug: its origin, and its route rules compiled once: the routes on which the miner
 * signature headers pass (the challenge's `signed_routes`, or the default for its slug when the desired state does
 * not list it, as with `--upstream`) and those whose transport failure answers 503.
 */
export function upstreamTargets(origins: ReadonlyMap<string, string>, desired: SubnetDesiredState | null): Map<string, UpstreamTarget> {
  const declared = new Map((desired?.challenges ?? []).map((challenge) => [challenge.slug, challenge]));
  const targets = new Map<string, UpstreamTarget>();
  for (const [slug, origin] of origins) {
    const target: UpstreamTarget = { origin };
    const signedRoutes = compileRoutes(effectiveSignedRoutes(declared.get(slug) ?? { slug }));
    if (signedRoutes !== undefined) target.signedRoutes = signedRoutes;
    const unavailable503 = compileRoutes(unavailable503Routes(slug));
    if (unavailable503 !== undefined) target.unavailable503 = unavailable503;
    targets.set(slug, target);
  }
  return targets;
}

/** `upstreamTargets` of the current origins and desired state, rebuilt only when either object changes (a reload). */
export function followUpstreamTargets(
  origins: () => ReadonlyMap<string, string>,
  desired: () => SubnetDesiredState | null,
): () => ReadonlyMap<string, UpstreamTarget> {
  let builtFrom: [ReadonlyMap<string, string>, SubnetDesiredState | null] | undefined;
  let targets = new Map<string, UpstreamTarget>();
  return () => {
    const currentOrigins = origins();
    const state = desired();
    if (builtFrom === undefined || builtFrom[0] !== currentOrigins || builtFrom[1] !== state) {
      targets = upstreamTargets(currentOrigins, state);
      builtFrom = [currentOrigins, state];
    }
    return targets;
  };
}

/** A resolver over a target map that may be replaced at any time (desired-state reloads). */
export function targetResolver(current: () => ReadonlyMap<string, UpstreamTarget>): UpstreamResolver {
  return { resolve: (slug) => current().get(slug) };
}
