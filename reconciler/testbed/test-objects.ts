import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';

/** Label every Docker object a test creates carries (`base.test=<run id>`), so cleanup finds exactly those. */
export const TEST_LABEL = 'base.test';

/** A fresh identity for one test: `id` for the label value, `name(x)` for `t-<x>-<id>` object names. */
export function testRun(purpose: string): { id: string; labels: Record<string, string>; name: (what: string) => string } {
  const id = `${purpose}-${randomBytes(4).toString('hex')}`;
  return { id, labels: { [TEST_LABEL]: id }, name: (what) => `t-${what}-${id}`.slice(0, 63) };
}

/** Thrown by a probe to stop waiting at once (e.g. a task failed and will never run). */
export class StopWaiting extends Error {}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs` naming `what` and the last error. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Removes the services, containers, volumes and networks labelled `base.test=<id>` on this engine, and only those.
 * Networks are removed once the services' tasks have let go of them.
 */
export async function removeTestObjects(docker: Docker, id: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${TEST_LABEL}=${id}`] });
  const errors: string[] = [];
  const services = await docker.listServices({ filters }).catch(() => []);
  for (const service of services) {
    await docker.getService(service.ID).remove().catch((error: Error) => errors.push(`service ${service.ID}: ${error.message}`));
  }
  const containers = await docker.listContainers({ all: true, filters });
  for (const container of containers) {
    await docker.getContainer(container.Id).remove({ force: true }).catch((error: Error) => errors.push(`container ${container.Id}: ${error.message}`));
  }
  const { Volumes: volumes } = await docker.listVolumes({ filters });
  for (const volume of volumes ?? []) {
    await docker.getVolume(volume.Name).remove().catch((error: Error) => errors.push(`volume ${volume.Name}: ${error.message}`));
  }
  const networks = await docker.listNetworks({ filters });
  for (const network of networks) {
    await waitUntil(`network ${network.Name} to be removable`, async () => {
      await docker.getNetwork(network.Id).remove();
      return true;
    }, 30_000, 500).catch((error: Error) => errors.push(error.message));
  }
  if (errors.length > 0) throw new Error(`cleanup of ${TEST_LABEL}=${id} left objects behind: ${errors.join('; ')}`);
}
