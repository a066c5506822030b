/**
 * Test support for Docker-backed tests and fixture capture: renames compiled intents into a test-owned namespace
 * (name prefix + `base.test=<tag>` label), creates them on a Swarm and removes them again. Pure renaming is also
 * used by the fixture tests, so the compiled side and the captured live side agree.
 */
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { ENCRYPTED_OPTION, MTU_OPTION } from '../../../live/normalize.ts';
import type { Intent } from '../../model.ts';

export const TEST_LABEL = 'base.test';

/** Prefixes every object name (and every reference to one) and labels every object `base.test=<tag>`. */
export function intoTestNamespace(intents: readonly Intent[], prefix: string, tag: string): Intent[] {
  const p = (name: string): string => `${prefix}${name}`;
  return intents.map((intent): Intent => {
    switch (intent.kind) {
      case 'network':
      case 'volume':
        return { ...intent, name: p(intent.name), labels: { ...intent.labels, [TEST_LABEL]: tag } };
      case 'secret':
        return { ...intent, name: p(intent.name), labels: { ...intent.labels, [TEST_LABEL]: tag } };
      case 'service': {
        const spec = structuredClone(intent.spec);
        spec.Name = p(intent.name);
        spec.Labels = { ...spec.Labels, [TEST_LABEL]: tag };
        const task = spec.TaskTemplate as Docker.ContainerTaskSpec;
        const container = task.ContainerSpec!;
        container.Mounts = (container.Mounts ?? []).map((m) => (m.Type === 'volume' ? { ...m, Source: p(m.Source) } : m));
        container.Secrets = (container.Secrets ?? []).map((s) => ({ ...s, SecretName: p(s.SecretName ?? '') }));
        task.Networks = (task.Networks ?? []).map((n) => ({ ...n, Target: p(n.Target ?? ''), Aliases: (n.Aliases ?? []).map(p) }));
        return { ...intent, name: p(intent.name), spec };
      }
      case 'node':
        return intent;
    }
  });
}

/** The test bed's Docker socket (endpoints.json written by deploy/testbed/testbed.sh up), or null when absent. */
export function testbedDockerSocket(): string | null {
  try {
    const endpoints = JSON.parse(readFileSync('/var/lib/base-testbed/endpoints.json', 'utf8')) as { docker?: { socket?: string } };
    return endpoints.docker?.socket ?? null;
  } catch {
    return null;
  }
}

export function testbedRegistryImage(): string | null {
  try {
    const endpoints = JSON.parse(readFileSync('/var/lib/base-testbed/endpoints.json', 'utf8')) as { baseImage?: { registryRef?: string } };
    return endpoints.baseImage?.registryRef ?? null;
  } catch {
    return null;
  }
}

/**
 * Creates the intents' objects (networks, secrets with a dummy value, volumes, services; nodes are skipped) plus the
 * `external` secrets services reference. Test-only: the real executor lives in reconciler/apply/.
 */
export async function createObjects(docker: Docker, intents: readonly Intent[], external: readonly string[], tag: string): Promise<void> {
  for (const intent of intents) {
    if (intent.kind !== 'network') continue;
    const options: Record<string, string> = {};
    if (intent.encrypted) options[ENCRYPTED_OPTION] = '';
    if (intent.mtu !== null) options[MTU_OPTION] = String(intent.mtu);
    await docker.createNetwork({ Name: intent.name, Driver: intent.driver, Options: options, Internal: intent.internal, Attachable: intent.attachable, Labels: intent.labels, CheckDuplicate: true });
  }
  const secretIds = new Map<string, string>();
  const createSecret = async (name: string, labels: Record<string, string>): Promise<void> => {
    const created = (await docker.createSecret({ Name: name, Labels: labels, Data: Buffer.from(`test value of ${name}`).toString('base64') })) as unknown as { id?: string; ID?: string };
    secretIds.set(name, created.id ?? created.ID ?? '');
  };
  for (const name of external) await createSecret(name, { [TEST_LABEL]: tag });
  for (const intent of intents) if (intent.kind === 'secret') await createSecret(intent.name, intent.labels);
  for (const intent of intents) if (intent.kind === 'volume') await docker.createVolume({ Name: intent.name, Labels: intent.labels });
  for (const intent of intents) {
    if (intent.kind !== 'service') continue;
    const spec = structuredClone(intent.spec);
    const container = (spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
    container.Secrets = (container.Secrets ?? []).map((s) => ({ ...s, SecretID: secretIds.get(s.SecretName ?? '') ?? '' }));
    await docker.createService(spec);
  }
}

/** Removes every service, secret, network and volume labelled `base.test=<tag>` whose name starts with `prefix`. */
export async function removeObjects(docker: Docker, prefix: string, tag: string): Promise<void> {
  const filters = { label: [`${TEST_LABEL}=${tag}`] };
  const services = (await docker.listServices({ filters })) as Array<{ ID: string; Spec: { Name?: string } }>;
  for (const s of services) if (s.Spec.Name?.startsWith(prefix)) await docker.getService(s.ID).remove();
  // Tasks hold secrets, networks and volumes until their containers are gone.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const containers = await docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name`] } });
    if (!containers.some((c) => (c.Labels['com.docker.swarm.service.name'] ?? '').startsWith(prefix))) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const retry = async (remove: () => Promise<unknown>): Promise<void> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await remove();
        return;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return;
        if (attempt >= 40) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  const secrets = (await docker.listSecrets({ filters })) as Array<{ ID: string; Spec: { Name: string } }>;
  for (const s of secrets) if (s.Spec.Name.startsWith(prefix)) await retry(() => docker.getSecret(s.ID).remove());
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) if (n.Name.startsWith(prefix)) await retry(() => docker.getNetwork(n.Id).remove());
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  for (const v of volumes) if (v.Name.startsWith(prefix)) await retry(() => docker.getVolume(v.Name).remove());
}
