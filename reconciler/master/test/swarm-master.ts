/**
 * For the itests that deploy the master on the test bed's Swarm: its image from the repository's Dockerfile, and its
 * compiled intent renamed into a test's prefix so that it never touches the global base-master a demo may run.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { MASTER_DATA_VOLUME } from '../../plan/compile.ts';
import type { Intent, ServiceIntent } from '../../plan/index.ts';
import type { TestbedEndpoints } from '../../testbed/endpoints.ts';
import { registryManifestDigest } from '../../testbed/registry.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** The repository's Dockerfile on the test bed base image, pushed as `repository:tag`; returns `name@digest`. */
export async function buildMasterImage(endpoints: TestbedEndpoints, repository: string, tag: string): Promise<string> {
  const name = `${endpoints.registry.address}/${repository}:${tag}`;
  const previous = (await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', name], { reject: false })).stdout.trim();
  await execa('docker', ['build', '--quiet', '--build-arg', `BASE_IMAGE=${endpoints.baseImage.ref}`, '--tag', name, '.'], {
    cwd: REPO_ROOT,
    env: { DOCKER_BUILDKIT: '0' },
  });
  await execa('docker', ['push', name]);
  // The tag is reused run after run; drop the image it pointed at before (unless a container still uses it).
  const current = (await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', name])).stdout.trim();
  if (previous && previous !== current) await execa('docker', ['image', 'rm', previous], { reject: false });
  const digest = await registryManifestDigest(endpoints, repository, tag);
  assert.ok(digest, 'the master image is in the registry');
  return `${name}@${digest}`;
}

/**
 * The master intent renamed into the prefix (service, network alias, data volume). The signing key secret keeps its
 * content-hash name (the state folder checks it); it is unique to the run's key and removed by the test.
 */
export function isolateMaster(intents: Intent[], prefix: string): Intent[] {
  const dataVolume = `${prefix}-master-data`;
  return intents.map((intent): Intent => {
    if (intent.kind === 'volume' && intent.name === MASTER_DATA_VOLUME) return { ...intent, name: dataVolume };
    if (intent.kind !== 'service' || intent.slug !== null) return intent;
    const spec = structuredClone(intent.spec);
    spec.Name = `${prefix}-master`;
    const task = spec.TaskTemplate as Docker.ContainerTaskSpec;
    const container = task.ContainerSpec!;
    container.Mounts = (container.Mounts ?? []).map((m) => (m.Source === MASTER_DATA_VOLUME ? { ...m, Source: dataVolume } : m));
    task.Networks = task.Networks?.map((n) => ({ ...n, Aliases: [`${prefix}-master`] }));
    return { ...intent, name: `${prefix}-master`, spec } satisfies ServiceIntent;
  });
}
