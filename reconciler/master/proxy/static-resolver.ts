import type { UpstreamResolver } from './proxy-handler.ts';

/**
 * A fixed slug → origin map (development and tests: `base serve --upstream slug=http://127.0.0.1:PORT`).
 * Throws on an entry that is not `slug=http://host:port`, naming the slug and what was expected (never echoing the
 * URL, which could carry credentials).
 */
export function staticUpstreamResolver(entries: readonly string[]): UpstreamResolver {
  const origins = new Map<string, string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const slug = eq === -1 ? '' : entry.slice(0, eq);
    const origin = eq === -1 ? '' : entry.slice(eq + 1);
    if (!/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/.test(slug)) {
      throw new Error(
        `--upstream entry ${JSON.stringify(slug.slice(0, 60))}=…: expected slug=http://host:port, a slug of a-z, 0-9 and - (at most 48)`,
      );
    }
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new Error(`--upstream ${slug}=…: not a URL; expected http://host:port`);
    }
    if (url.protocol !== 'http:' || url.username !== '' || url.password !== '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
      throw new Error(`--upstream ${slug}=…: expected http://host:port without credentials, path or query`);
    }
    if (origins.has(slug)) throw new Error(`--upstream ${slug}=…: slug "${slug}" is given twice`);
    origins.set(slug, `http://${url.host}`);
  }
  return {
    resolve(slug) {
      const origin = origins.get(slug);
      return origin === undefined ? undefined : { origin };
    },
  };
}
