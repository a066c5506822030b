/**
 * A tag's manifest digest from its registry (Registry HTTP API v2): `HEAD /v2/<repository>/manifests/<tag>` asking
 * for every manifest kind, the anonymous bearer-token flow on 401, the `Docker-Content-Digest` answer. A registry that
 * sends no digest header is asked with GET and the manifest bytes are hashed.
 */
import { createHash } from 'node:crypto';
import type { ImageRef } from '../desired-state/image-ref.ts';

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const DOCKER_HUB = 'registry-1.docker.io';

export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface ResolveOptions {
  /** Per request (default 15 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Registry host and repository path as the API wants them (Docker Hub's defaults applied). */
export function registryLocation(ref: ImageRef): { host: string; repository: string; baseUrl: string } {
  let host = ref.registry ?? 'docker.io';
  let repository = ref.repository;
  if (host === 'docker.io' || host === 'index.docker.io') {
    host = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  const hostname = host.replace(/:\d+$/, '');
  const local = hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]' || hostname.endsWith('.localhost');
  return { host, repository, baseUrl: `${local ? 'http' : 'https'}://${host}` };
}

/** Parses `Bearer realm="...",service="...",scope="..."` (quoted values may hold commas). */
export function parseBearerChallenge(header: string): Record<string, string> | null {
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match) return null;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/g;
  for (const m of (match[1] ?? '').matchAll(re)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return params;
}

async function request(url: string, init: RequestInit, options: ResolveOptions): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  try {
    return await doFetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = (error as Error).name === 'TimeoutError' ? `timed out after ${options.timeoutMs ?? 15_000} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new RegistryError(`${init.method ?? 'GET'} ${url}: ${why}`);
  }
}

/** The anonymous token for the challenge's realm/service/scope. */
async function anonymousToken(challenge: Record<string, string>, repository: string, options: ResolveOptions): Promise<string> {
  const realm = challenge.realm;
  if (!realm || !/^https?:\/\//i.test(realm)) throw new RegistryError(`the registry asked for a bearer token without a usable realm (${JSON.stringify(realm ?? null)})`);
  const url = new URL(realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  url.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`);
  const response = await request(url.toString(), { method: 'GET', headers: { accept: 'application/json' } }, options);
  if (!response.ok) {
    await response.body?.cancel();
    throw new RegistryError(`token request to ${url.origin}${url.pathname}: HTTP ${response.status} (anonymous pull not allowed? this command reads public images only)`);
  }
  const body = (await response.json().catch(() => null)) as { token?: unknown; access_token?: unknown } | null;
  const token = body?.token ?? body?.access_token;
  if (typeof token !== 'string' || token === '') throw new RegistryError(`token response from ${url.origin}${url.pathname} has no token`);
  return token;
}

/**
 * A request to the registry API, answering a 401 with the anonymous bearer-token flow once. The token is kept in
 * `headers.authorization`, so later requests with the same headers (the GET after a HEAD, the next page) reuse it.
 */
async function registryRequest(url: string, method: string, headers: Record<string, string>, repository: string, options: ResolveOptions): Promise<Response> {
  const response = await request(url, { method, headers }, options);
  if (response.status !== 401) return response;
  await response.body?.cancel();
  const challenge = parseBearerChallenge(response.headers.get('www-authenticate') ?? '');
  if (!challenge) throw new RegistryError(`${method} ${url}: HTTP 401 without a Bearer challenge (this command reads public images only)`);
  headers.authorization = `Bearer ${await anonymousToken(challenge, repository, options)}`;
  return request(url, { method, headers }, options);
}

/** `sha256:...` of `ref`'s tag (or `latest` when it has none). */
export async function resolveTagDigest(ref: ImageRef, options: ResolveOptions = {}): Promise<string> {
  const tag = ref.tag ?? 'latest';
  const { repository, baseUrl } = registryLocation(ref);
  const url = `${baseUrl}/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const headers: Record<string, string> = { accept: MANIFEST_MEDIA_TYPES.join(', ') };

  const response = await registryRequest(url, 'HEAD', headers, repository, options);
  if (response.status === 404) throw new RegistryError(`${repository}:${tag} not found at ${baseUrl} (HTTP 404): push the image first`);
  if (!response.ok) throw new RegistryError(`HEAD ${url}: HTTP ${response.status}, expected 200`);
  const digest = response.headers.get('docker-content-digest');
  if (digest) {
    if (!DIGEST.test(digest)) throw new RegistryError(`HEAD ${url}: Docker-Content-Digest ${JSON.stringify(digest)} is not a sha256 digest`);
    return digest;
  }
  // No header on HEAD: the digest is the sha256 of the manifest bytes.
  const full = await registryRequest(url, 'GET', headers, repository, options);
  if (!full.ok) throw new RegistryError(`GET ${url}: HTTP ${full.status}, expected 200`);
  return `sha256:${createHash('sha256').update(Buffer.from(await full.arrayBuffer())).digest('hex')}`;
}

/** Pages of `/tags/list` followed at most this many times (a registry's page is 100 to 1000 tags). */
const MAX_TAG_PAGES = 50;

/** Every tag of `ref`'s repository: `GET /v2/<repository>/tags/list`, following `Link: <...>; rel="next"` pages. */
export async function listTags(ref: ImageRef, options: ResolveOptions = {}): Promise<string[]> {
  const { repository, baseUrl } = registryLocation(ref);
  const tags: string[] = [];
  const headers: Record<string, string> = { accept: 'application/json' };
  let url: string | undefined = `${baseUrl}/v2/${repository}/tags/list?n=1000`;
  for (let page = 0; url !== undefined; page++) {
    if (page === MAX_TAG_PAGES) throw new RegistryError(`${repository}: more than ${MAX_TAG_PAGES} pages of tags at ${baseUrl}`);
    const response = await registryRequest(url, 'GET', headers, repository, options);
    if (response.status === 404) throw new RegistryError(`${repository} not found at ${baseUrl} (HTTP 404): push the image first`);
    if (!response.ok) throw new RegistryError(`GET ${url}: HTTP ${response.status}, expected 200`);
    const body = (await response.json().catch(() => null)) as { tags?: unknown } | null;
    // A repository whose tags were all deleted answers "tags": null.
    if (body === null || (body.tags !== null && !Array.isArray(body.tags))) throw new RegistryError(`GET ${url}: expected a JSON body with a tags list`);
    for (const tag of (body.tags as unknown[] | null) ?? []) if (typeof tag === 'string') tags.push(tag);
    const next = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(response.headers.get('link') ?? '')?.[1];
    if (next === undefined) break;
    const nextUrl = new URL(next, baseUrl);
    // The token goes with the next request: never to another host.
    if (nextUrl.origin !== new URL(baseUrl).origin) throw new RegistryError(`GET ${url}: the next page is on another host (${nextUrl.origin}); refused`);
    url = nextUrl.toString();
  }
  return tags;
}
