import type { TestbedEndpoints } from './endpoints.ts';

export const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

/** `Docker-Content-Digest` of `repository:tag` (or `@digest`) in the local registry, or undefined when absent. */
export async function registryManifestDigest(endpoints: TestbedEndpoints, repository: string, reference: string): Promise<string | undefined> {
  const url = `${endpoints.registry.url}/v2/${repository}/manifests/${reference}`;
  const response = await fetch(url, { method: 'HEAD', headers: { Accept: MANIFEST_V2 } });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`HEAD ${url}: HTTP ${response.status}, expected 200 or 404`);
  const digest = response.headers.get('docker-content-digest');
  if (!digest) throw new Error(`HEAD ${url}: no Docker-Content-Digest header`);
  return digest;
}

/** Deletes a manifest by digest (the test bed's registry has deletion enabled). */
export async function deleteRegistryManifest(endpoints: TestbedEndpoints, repository: string, digest: string): Promise<void> {
  const url = `${endpoints.registry.url}/v2/${repository}/manifests/${digest}`;
  const response = await fetch(url, { method: 'DELETE' });
  if (!response.ok && response.status !== 404) throw new Error(`DELETE ${url}: HTTP ${response.status}, expected 202`);
}
