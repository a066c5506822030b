/**
 * Where `/challenges/<slug>` goes. Production: the active challenges of the desired state, by overlay DNS
 * (`http://challenge-<slug>:<port>`). Development and tests: a static `slug → origin` map (`--upstream`), which
 * then is the whole list.
 */
import type { SubnetDesiredState } from '../desired-state/index.ts';
import { UserError } from '../cli/action.ts';
import type { UpstreamResolver } from './proxy/index.ts';

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

/** A resolver over a map that may be replaced at any time (desired-state reloads). */
export function mapResolver(current: () => ReadonlyMap<string, string>): UpstreamResolver {
  return {
    resolve(slug) {
      const origin = current().get(slug);
      return origin === undefined ? undefined : { origin };
    },
  };
}
