import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { dockerCli } from './docker.ts';
import type { TestbedEndpoints } from './endpoints.ts';
import { registryManifestDigest } from './registry.ts';

export interface TestImageSpec {
  /** Repository in the local registry, e.g. `t-echo` (lowercase, `[a-z0-9._/-]`). */
  repository: string;
  /** Tag; default `c-<content hash>`, so changed content gets a new tag. */
  tag?: string;
  /** Files under the build context, path → content, e.g. `{ 'server.js': '...' }`. Copied to `/app/`. */
  files: Record<string, string | Uint8Array>;
  /** Full Dockerfile; default: FROM the base image, COPY the files to /app, USER node, CMD node /app/server.js. */
  dockerfile?: string;
}

export interface BuiltImage {
  /** `127.0.0.1:5000/<repository>:<tag>@sha256:<digest>`, ready for a Swarm service. */
  ref: string;
  digest: string;
  repository: string;
  tag: string;
}

export const DEFAULT_TEST_DOCKERFILE = [
  'ARG BASE_IMAGE',
  'FROM ${BASE_IMAGE}',
  'COPY . /app/',
  'USER node',
  'CMD ["/usr/bin/node", "/app/server.js"]',
  '',
].join('\n');

const CONTENT_LABEL = 'base.test.content-hash';
const memo = new Map<string, Promise<BuiltImage>>();

/**
 * Builds a small image FROM the test bed's base image with the classic builder, pushes it to the local registry and
 * returns its digest reference. The same content (base image, Dockerfile, files, name) is built and pushed once:
 * later calls, also from other processes, find it by the content label and the registry's digest.
 */
export function buildTestImage(endpoints: TestbedEndpoints, spec: TestImageSpec): Promise<BuiltImage> {
  if (!/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/.test(spec.repository)) {
    throw new Error(`buildTestImage: repository ${JSON.stringify(spec.repository)} is not a valid repository name (lowercase a-z0-9 . _ / -)`);
  }
  const dockerfile = spec.dockerfile ?? DEFAULT_TEST_DOCKERFILE;
  const hash = contentHash(endpoints.baseImage.id, dockerfile, spec.files);
  const tag = spec.tag ?? `c-${hash.slice(0, 20)}`;
  const key = `${spec.repository}:${tag}:${hash}`;
  let pending = memo.get(key);
  if (!pending) {
    pending = buildAndPush(endpoints, spec.repository, tag, hash, dockerfile, spec.files);
    pending.catch(() => memo.delete(key));
    memo.set(key, pending);
  }
  return pending;
}

/** Forgets this process's memo of built images (tests of the cross-process cache use it). */
export function forgetBuiltImagesInProcess(): void {
  memo.clear();
}

function contentHash(baseImageId: string, dockerfile: string, files: Record<string, string | Uint8Array>): string {
  const hash = createHash('sha256').update(`base ${baseImageId}\0dockerfile ${dockerfile}\0`);
  for (const name of Object.keys(files).sort()) {
    const content = files[name] ?? '';
    hash.update(`file ${name}\0${Buffer.byteLength(content)}\0`).update(content);
  }
  return hash.digest('hex');
}

async function buildAndPush(
  endpoints: TestbedEndpoints,
  repository: string,
  tag: string,
  hash: string,
  dockerfile: string,
  files: Record<string, string | Uint8Array>,
): Promise<BuiltImage> {
  const name = `${endpoints.registry.address}/${repository}:${tag}`;
  const existing = await reusable(endpoints, name, repository, tag, hash);
  if (existing) return existing;

  const context = await mkdtemp(join(tmpdir(), 'base-test-image-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      const target = normalize(join(context, path));
      if (!target.startsWith(`${context}/`)) throw new Error(`buildTestImage: file path ${JSON.stringify(path)} leaves the build context`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await writeFile(join(context, 'Dockerfile.base-test'), dockerfile);
    await dockerCli(endpoints, [
      'build', '--quiet', '--file', 'Dockerfile.base-test',
      '--build-arg', `BASE_IMAGE=${endpoints.baseImage.ref}`,
      '--label', `${CONTENT_LABEL}=${hash}`,
      '--tag', name, '.',
    ], { cwd: context });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  const pushOutput = await dockerCli(endpoints, ['push', name]);
  const pushed = /digest: (sha256:[0-9a-f]{64})/.exec(pushOutput)?.[1];
  const digest = await registryManifestDigest(endpoints, repository, tag);
  if (!digest) throw new Error(`buildTestImage: ${name} was pushed but the registry does not list it`);
  if (pushed && pushed !== digest) throw new Error(`buildTestImage: docker push reported ${pushed} but the registry serves ${digest} for ${name}`);
  return { ref: `${name}@${digest}`, digest, repository, tag };
}

/** The image is already built from this content and the registry holds the same manifest. */
async function reusable(endpoints: TestbedEndpoints, name: string, repository: string, tag: string, hash: string): Promise<BuiltImage | undefined> {
  let inspect: { labels: Record<string, string> | null; repoDigests: string[] | null };
  try {
    const [image] = JSON.parse(await dockerCli(endpoints, ['image', 'inspect', name])) as Array<{
      Config?: { Labels?: Record<string, string> | null };
      RepoDigests?: string[] | null;
    }>;
    inspect = { labels: image?.Config?.Labels ?? null, repoDigests: image?.RepoDigests ?? null };
  } catch {
    return undefined; // not built yet
  }
  if (inspect.labels?.[CONTENT_LABEL] !== hash) return undefined;
  const digest = await registryManifestDigest(endpoints, repository, tag);
  if (!digest || !inspect.repoDigests?.includes(`${endpoints.registry.address}/${repository}@${digest}`)) return undefined;
  return { ref: `${name}@${digest}`, digest, repository, tag };
}
