/**
 * Pure normalizers: raw inspect JSON (or a compiled spec) → a comparable value. Applied to BOTH sides before the
 * planner compares, so daemon defaults, ordering and ID-vs-name differences never show up as changes.
 * Lists that have an identity (env, mounts, secrets, networks, ports) become maps keyed by it, which gives readable
 * field paths like `TaskTemplate.ContainerSpec.Env.FOO`.
 */
import type Docker from 'dockerode';
import { parseImageRef, formatImageRef } from '../desired-state/image-ref.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, VOLATILE_LABELS } from '../plan/model.ts';
import type { RawNetwork, RawNode, RawSecret, RawVolume } from './types.ts';

export const MTU_OPTION = 'com.docker.network.driver.mtu';
export const ENCRYPTED_OPTION = 'encrypted';
/** Docker's stop timeout when a spec names none. */
export const DEFAULT_STOP_GRACE_PERIOD_NS = 10_000_000_000;

export type Comparable = Record<string, unknown>;

export function isManaged(labels: Record<string, string> | null | undefined): boolean {
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** `nginx`, `docker.io/library/nginx:latest` → `nginx:latest`; keeps tag and digest as written otherwise. */
export function canonicalImage(image: string): string {
  const parsed = parseImageRef(image);
  if (!parsed) return image;
  if (parsed.registry === 'docker.io' || parsed.registry === 'index.docker.io') delete parsed.registry;
  if (parsed.registry === undefined && parsed.repository.startsWith('library/')) {
    parsed.repository = parsed.repository.slice('library/'.length);
  }
  if (parsed.tag === undefined && parsed.digest === undefined) parsed.tag = 'latest';
  return formatImageRef(parsed);
}

/** Drops null, undefined, 0, false, {} and [] members recursively (what Go's `omitempty` drops); keeps strings. */
export function stripEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(stripEmpty).filter((item) => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const stripped = stripEmpty(member);
      if (stripped !== undefined) out[key] = stripped;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (value === null || value === undefined || value === 0 || value === false) return undefined;
  return value;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function keyBy(items: unknown, keyOf: (item: Record<string, unknown>) => string, shape: (item: Record<string, unknown>) => unknown): Comparable | undefined {
  if (!Array.isArray(items) || items.length === 0) return undefined;
  const out: Comparable = {};
  for (const raw of items) {
    const item = obj(raw);
    if (item) out[keyOf(item)] = shape(item);
  }
  return out;
}

export function envToMap(env: readonly string[] | undefined): Record<string, string | null> | undefined {
  if (!env || env.length === 0) return undefined;
  const out: Record<string, string | null> = {};
  for (const entry of env) {
    const eq = entry.indexOf('=');
    if (eq < 0) out[entry] = null;
    else out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

export interface NormalizeContext {
  /** Network ID → name (live task specs name networks by ID; compiled specs by name). */
  networkNames: ReadonlyMap<string, string>;
}

/** A ServiceSpec (live `Spec` or compiled) → the comparable form. The name is the object's key, not compared. */
export function normalizeServiceSpec(spec: Docker.ServiceSpec, context: NormalizeContext): Comparable {
  const source = structuredClone(spec) as Record<string, unknown>;
  delete source.Name;
  const labels = { ...(obj(source.Labels) as Record<string, string> | undefined) };
  for (const volatile of VOLATILE_LABELS) delete labels[volatile];
  delete source.Labels;

  const task = { ...obj(source.TaskTemplate) };
  // Deprecated top-level networks mean the same as the task's.
  if (Array.isArray(source.Networks) && !Array.isArray(task.Networks)) task.Networks = source.Networks;
  delete source.Networks;
  if (task.Runtime === 'container') delete task.Runtime;
  // A counter bumped by `docker service update --force`, not desired state: reverting it would restart tasks again.
  // (The executor must carry the live value over on update, or a label-only update would replace every task.)
  delete task.ForceUpdate;

  const container = { ...obj(task.ContainerSpec) };
  if (container.Isolation === 'default') delete container.Isolation;
  if (typeof container.Image === 'string') container.Image = canonicalImage(container.Image);
  if (container.StopGracePeriod === undefined) container.StopGracePeriod = DEFAULT_STOP_GRACE_PERIOD_NS;
  const env = envToMap(container.Env as string[] | undefined);
  delete container.Env;
  const mounts = keyBy(container.Mounts, (m) => String(m.Target), (m) => {
    const rest = { ...m };
    delete rest.Target;
    // A tmpfs has no source: the Engine omits the empty string a compiled spec may carry.
    if (rest.Source === '') delete rest.Source;
    return stripEmpty(rest) ?? {};
  });
  delete container.Mounts;
  const secrets = keyBy(container.Secrets, (s) => String(obj(s.File)?.Name ?? s.SecretName), (s) => {
    const file = { ...obj(s.File) };
    delete file.Name;
    return { SecretName: s.SecretName, ...file };
  });
  delete container.Secrets;
  const containerLabels = obj(container.Labels);
  delete container.Labels;

  const placement = { ...obj(task.Placement) };
  delete placement.Platforms;
  if (Array.isArray(placement.Constraints)) placement.Constraints = [...(placement.Constraints as string[])].sort();
  const networks = keyBy(task.Networks, (n) => {
    const target = String(n.Target);
    return context.networkNames.get(target) ?? target;
  }, (n) => {
    const aliases = Array.isArray(n.Aliases) ? [...(n.Aliases as string[])].sort() : undefined;
    return stripEmpty({ Aliases: aliases, DriverOpts: n.DriverOpts }) ?? {};
  });
  delete task.Networks;

  const endpoint = { ...obj(source.EndpointSpec) };
  if (endpoint.Mode === undefined) endpoint.Mode = 'vip';
  const ports = keyBy(endpoint.Ports, (p) => `${String(p.TargetPort)}/${String(p.Protocol ?? 'tcp')}`, (p) => ({
    PublishedPort: p.PublishedPort,
    PublishMode: p.PublishMode ?? 'ingress',
    Name: p.Name,
  }));
  delete endpoint.Ports;

  const mode = obj(source.Mode) ?? { Replicated: { Replicas: 1 } };

  const stripped = (stripEmpty({
    ...source,
    Mode: mode,
    EndpointSpec: endpoint,
    TaskTemplate: { ...task, Placement: placement, ContainerSpec: container },
  }) ?? {}) as Comparable;
  // Maps whose empty-string values matter are added after stripping.
  const strippedTask = (obj(stripped.TaskTemplate) ?? {}) as Comparable;
  const strippedContainer = (obj(strippedTask.ContainerSpec) ?? {}) as Comparable;
  if (env) strippedContainer.Env = env;
  if (mounts) strippedContainer.Mounts = mounts;
  if (secrets) strippedContainer.Secrets = stripEmpty(secrets);
  if (containerLabels && Object.keys(containerLabels).length > 0) strippedContainer.Labels = containerLabels;
  strippedTask.ContainerSpec = strippedContainer;
  if (networks) strippedTask.Networks = networks;
  stripped.TaskTemplate = strippedTask;
  const strippedEndpoint = (obj(stripped.EndpointSpec) ?? {}) as Comparable;
  if (ports) strippedEndpoint.Ports = stripEmpty(ports);
  stripped.EndpointSpec = strippedEndpoint;
  if (Object.keys(labels).length > 0) stripped.Labels = labels;
  return stripped;
}

export interface ComparableNetwork {
  driver: string;
  encrypted: boolean;
  mtu: number | null;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
}

export function normalizeNetwork(network: RawNetwork): ComparableNetwork {
  const options = network.Options ?? {};
  const mtu = options[MTU_OPTION];
  return {
    driver: network.Driver ?? 'overlay',
    encrypted: Object.prototype.hasOwnProperty.call(options, ENCRYPTED_OPTION),
    mtu: mtu === undefined || mtu === '' ? null : Number(mtu),
    internal: network.Internal === true,
    attachable: network.Attachable === true,
    labels: { ...(network.Labels ?? {}) },
  };
}

export function normalizeVolume(volume: RawVolume): { labels: Record<string, string> } {
  return { labels: { ...(volume.Labels ?? {}) } };
}

export function normalizeSecret(secret: RawSecret): { labels: Record<string, string> } {
  return { labels: { ...(secret.Spec.Labels ?? {}) } };
}

export function nodeHostname(node: RawNode): string {
  return node.Description?.Hostname ?? node.ID;
}

export function normalizeNode(node: RawNode): { labels: Record<string, string>; availability: string } {
  return { labels: { ...(node.Spec.Labels ?? {}) }, availability: node.Spec.Availability ?? 'active' };
}

/** Network ID → name, for mapping task network targets. */
export function networkNameIndex(networks: readonly RawNetwork[]): Map<string, string> {
  return new Map(networks.map((n) => [n.Id, n.Name]));
}
