/** Reads the live Swarm through dockerode: five list calls in parallel, raw inspect JSON kept as is. */
import Docker from 'dockerode';
import type { LiveState, RawNetwork, RawNode, RawSecret, RawService, RawVolume } from './types.ts';

/** A dockerode client for `--docker-host` (unix path, unix://, tcp://, http://) or the environment (DOCKER_HOST). */
export function dockerClient(host?: string): Docker {
  if (!host) return new Docker();
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('/')) return new Docker({ socketPath: host });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' });
}

export async function observe(docker: Docker): Promise<LiveState> {
  const [services, networks, volumes, secrets, nodes] = await Promise.all([
    docker.listServices() as Promise<unknown>,
    docker.listNetworks({ filters: { scope: ['swarm'] } }) as Promise<unknown>,
    docker.listVolumes() as Promise<unknown>,
    docker.listSecrets() as Promise<unknown>,
    docker.listNodes() as Promise<unknown>,
  ]);
  const byName = <T extends { Name?: string }>(a: T, b: T) => ((a.Name ?? '') < (b.Name ?? '') ? -1 : 1);
  return {
    services: [...((services as RawService[] | null) ?? [])].sort((a, b) => byName(a.Spec, b.Spec)),
    networks: [...((networks as RawNetwork[] | null) ?? [])].filter((n) => n.Scope === undefined || n.Scope === 'swarm').sort(byName),
    volumes: [...(((volumes as { Volumes?: RawVolume[] | null } | null)?.Volumes) ?? [])].sort(byName),
    secrets: [...((secrets as RawSecret[] | null) ?? [])].sort((a, b) => byName(a.Spec, b.Spec)),
    nodes: [...((nodes as RawNode[] | null) ?? [])].sort((a, b) => ((a.Description?.Hostname ?? a.ID) < (b.Description?.Hostname ?? b.ID) ? -1 : 1)),
  };
}
