/**
 * A challenge's data volume (`challenge-<slug>-data`): what it is, how big, who uses it — and its purge, the only
 * way a challenge's data is ever removed (reconciling never removes a volume).
 *
 * A volume counts as "in use" when any service's spec mounts it (even scaled to 0: the next scale-up would mount it
 * again), when a task of any service that mounts it has not terminated yet, or when any container (running or
 * stopped) references it. Purge refuses in all three cases; Docker itself only refuses the last one.
 * Only a volume carrying `base.managed-by=base` AND `base.challenge.slug=<slug>` is ever removed.
 */
import type Docker from 'dockerode';
import { isNotFound } from '../apply/docker-errors.ts';
import { challengeVolumeName } from '../plan/compile.ts';
import { CHALLENGE_SLUG_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../plan/model.ts';

const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
/** Task states after which a task holds no mount any more. */
const TERMINAL_TASK_STATES = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

export interface VolumeUser {
  kind: 'service' | 'task' | 'container';
  /** Service name, task `<service>.<slot> (<id12>)`, or container name. */
  name: string;
  state: string;
}

export interface ChallengeVolume {
  slug: string;
  name: string;
  exists: boolean;
  /** Carries base.managed-by=base and base.challenge.slug=<slug>. */
  managed: boolean;
  labels: Record<string, string>;
  driver: string | null;
  createdAt: string | null;
  /** Bytes, from the engine's disk-usage report; null when the engine did not compute it. */
  sizeBytes: number | null;
  users: VolumeUser[];
}

export class VolumePurgeRefused extends Error {}

export function checkSlug(slug: string): void {
  if (!SLUG_PATTERN.test(slug)) throw new VolumePurgeRefused(`invalid challenge slug ${JSON.stringify(slug)} (expected ^[a-z0-9][a-z0-9-]*[a-z0-9]$, at most 48 characters)`);
}

interface VolumeInspect {
  Name: string;
  Driver?: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
}

export async function describeChallengeVolume(docker: Docker, slug: string): Promise<ChallengeVolume> {
  checkSlug(slug);
  const name = challengeVolumeName(slug);
  const info = (await docker
    .getVolume(name)
    .inspect()
    .catch((error: unknown) => {
      if (isNotFound(error)) return null;
      throw error;
    })) as VolumeInspect | null;
  if (!info) {
    return { slug, name, exists: false, managed: false, labels: {}, driver: null, createdAt: null, sizeBytes: null, users: [] };
  }
  const labels = info.Labels ?? {};
  const managed = labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels[CHALLENGE_SLUG_LABEL] === slug;
  const [sizeBytes, users] = await Promise.all([volumeSize(docker, name), volumeUsers(docker, name)]);
  return { slug, name, exists: true, managed, labels, driver: info.Driver ?? null, createdAt: info.CreatedAt ?? null, sizeBytes, users };
}

/**
 * The engine's own disk-usage report (`docker system df -v`): no helper container, no access to the volume's folder
 * needed (works through a remote DOCKER_HOST too). It walks every local volume once, which is cheap next to a purge.
 */
async function volumeSize(docker: Docker, name: string): Promise<number | null> {
  const df = (await docker.df()) as { Volumes?: Array<{ Name: string; UsageData?: { Size?: number } | null }> | null };
  const size = df.Volumes?.find((v) => v.Name === name)?.UsageData?.Size;
  return typeof size === 'number' && size >= 0 ? size : null;
}

interface ServiceInfo {
  ID: string;
  Spec?: { Name?: string; TaskTemplate?: { ContainerSpec?: { Mounts?: Array<{ Type?: string; Source?: string }> } } };
}

async function volumeUsers(docker: Docker, name: string): Promise<VolumeUser[]> {
  const users: VolumeUser[] = [];
  const services = (await docker.listServices().catch(() => [])) as ServiceInfo[];
  const mounting = services.filter((s) => (s.Spec?.TaskTemplate?.ContainerSpec?.Mounts ?? []).some((m) => (m.Type ?? 'volume') === 'volume' && m.Source === name));
  for (const service of mounting) {
    const serviceName = service.Spec?.Name ?? service.ID;
    users.push({ kind: 'service', name: serviceName, state: 'mounts it in its spec' });
    const tasks = (await docker.listTasks({ filters: { service: [service.ID] } })) as Array<{ ID: string; Slot?: number; Status?: { State?: string } }>;
    for (const task of tasks) {
      const state = task.Status?.State ?? 'unknown';
      if (!TERMINAL_TASK_STATES.has(state)) users.push({ kind: 'task', name: `${serviceName}.${task.Slot ?? '?'} (${task.ID.slice(0, 12)})`, state });
    }
  }
  const containers = (await docker.listContainers({ all: true, filters: { volume: [name] } })) as Array<{ Names?: string[]; Id: string; State?: string }>;
  for (const container of containers) {
    users.push({ kind: 'container', name: (container.Names?.[0] ?? container.Id.slice(0, 12)).replace(/^\//, ''), state: container.State ?? 'unknown' });
  }
  return users;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'unknown (the engine did not report it)';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

export function describeVolumeText(volume: ChallengeVolume): string {
  if (!volume.exists) return `volume ${volume.name}: not found (challenge ${volume.slug} has no data volume on this engine)\n`;
  const lines = [
    `volume ${volume.name}`,
    `  challenge slug: ${volume.labels[CHALLENGE_SLUG_LABEL] ?? '(no base.challenge.slug label)'}`,
    `  managed by base: ${volume.managed ? 'yes' : 'NO'}`,
    `  driver: ${volume.driver ?? '?'}, created ${volume.createdAt ?? '?'}`,
    `  size: ${formatBytes(volume.sizeBytes)}`,
    volume.users.length === 0 ? '  in use: no' : `  in use: YES, by ${volume.users.length}:`,
    ...volume.users.map((u) => `    ${u.kind} ${u.name}: ${u.state}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Removes the slug's volume after checking, in this order: confirm equals the slug; the volume exists and is managed
 * by base with that slug; nothing uses it. Returns the description of what was removed.
 */
export async function purgeChallengeVolume(docker: Docker, slug: string, confirm: string | undefined): Promise<ChallengeVolume> {
  checkSlug(slug);
  if (confirm !== slug) {
    throw new VolumePurgeRefused(`--confirm must repeat the slug exactly: expected --confirm ${slug}, found ${confirm === undefined ? 'no --confirm' : JSON.stringify(confirm)}`);
  }
  const volume = await describeChallengeVolume(docker, slug);
  if (!volume.exists) throw new VolumePurgeRefused(`volume ${volume.name} not found; nothing to purge`);
  if (!volume.managed) {
    throw new VolumePurgeRefused(
      `volume ${volume.name} is not a base-managed volume of challenge ${slug} (labels ${MANAGED_BY_LABEL}=${volume.labels[MANAGED_BY_LABEL] ?? '(none)'}, ${CHALLENGE_SLUG_LABEL}=${volume.labels[CHALLENGE_SLUG_LABEL] ?? '(none)'}); refusing to remove it`,
    );
  }
  if (volume.users.length > 0) {
    const who = volume.users.map((u) => `${u.kind} ${u.name} (${u.state})`).join(', ');
    throw new VolumePurgeRefused(
      `volume ${volume.name} is in use by ${who}; remove the challenge first (status: inactive or delete it from subnet.yaml, then base apply) and wait for its tasks to stop`,
    );
  }
  await docker.getVolume(volume.name).remove();
  return volume;
}
