/**
 * The executor: acts on a Plan, in its order, and decides nothing. Creates networks, secrets (values from the state
 * folder, sent in the request body only), volumes, services (volatile labels at service level only), updates with
 * the Version the plan observed (optimistic concurrency), waits for each service rollout, deletes what the plan
 * deletes (never a volume, never an object without base.managed-by=base), and sets node labels/availability.
 * Running it again after a crash converges: "already exists" is resolved by re-observing, never by a second object.
 */
import type Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type Change,
  type NetworkIntent,
  type NodeIntent,
  type Plan,
  type SecretIntent,
  type ServiceIntent,
  type VolumeIntent,
} from '../plan/model.ts';
import type { StateDir } from '../state/index.ts';
import { describeDockerError, isConflict, isNetworkInUse, isNotFound, isVersionConflict } from './docker-errors.ts';
import { overallOutcome, type ApplyResult, type ObjectResult } from './result.ts';
import { waitForRollout, type RolloutOptions } from './rollout.ts';

export const REVISION_LABEL = 'base.desired-state.revision';
export const PLAN_HASH_LABEL = 'base.plan.hash';
export const APPLIED_AT_LABEL = 'base.applied-at';
/** On nodes: the comma-separated label keys the reconciler manages there (written by the plan's node intent). */
const MANAGED_NODE_LABELS = 'base.managed-labels';

export interface ApplyOptions {
  state: StateDir;
  /** Desired-state revision written into the volatile labels; defaults to the plan's. */
  revision?: string | null;
  rollout?: Partial<RolloutOptions>;
  /** One line per object as it finishes (progress). */
  progress?: (line: string) => void;
  /** Called right before each write, e.g. for tests that interrupt an apply. */
  beforeObject?: (change: Change) => void | Promise<void>;
}

const DEFAULT_ROLLOUT: RolloutOptions = { timeoutMs: 180_000, pollMs: 500, stableMs: 1_500 };

class ObjectFailure extends Error {}

export async function applyPlan(plan: Plan, docker: Docker, options: ApplyOptions): Promise<ApplyResult> {
  const startedAt = new Date();
  const revision = options.revision !== undefined ? options.revision : plan.revision;
  const rollout = { ...DEFAULT_ROLLOUT, ...options.rollout };
  const progress = options.progress ?? (() => undefined);
  const context: ExecContext = { docker, plan, state: options.state, revision, rollout };
  const objects: ObjectResult[] = [];
  // A failed network/secret/volume means the services after it would start without what they need.
  let prerequisiteFailed: string | null = null;

  for (const change of plan.changes) {
    if (change.action === 'no-op') continue;
    const began = Date.now();
    const record: ObjectResult = { kind: change.kind, name: change.name, action: change.action, outcome: 'succeeded', duration_ms: 0 };
    if (prerequisiteFailed && change.kind === 'service' && change.action !== 'delete') {
      record.outcome = 'skipped';
      record.error = `skipped: ${prerequisiteFailed} failed before it`;
    } else {
      try {
        await options.beforeObject?.(change);
        const detail = await executeChange(change, context);
        if (detail) record.detail = detail;
      } catch (error) {
        record.outcome = 'failed';
        record.error = error instanceof ObjectFailure ? error.message : describeDockerError(error);
        if (change.kind !== 'service' && change.kind !== 'node' && change.action !== 'delete') {
          prerequisiteFailed ??= `${change.kind} ${change.name}`;
        }
      }
    }
    record.duration_ms = Date.now() - began;
    objects.push(record);
    progress(progressLine(record));
  }

  return {
    revision,
    plan_hash: plan.hash,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    outcome: overallOutcome(objects),
    objects,
  };
}

export function progressLine(record: ObjectResult): string {
  const mark = record.outcome === 'succeeded' ? 'ok' : record.outcome === 'skipped' ? 'SKIPPED' : 'FAILED';
  const seconds = (record.duration_ms / 1000).toFixed(1);
  const tail = record.error ? `: ${record.error}` : record.detail ? ` (${record.detail})` : '';
  return `${record.action} ${record.kind} ${record.name}: ${mark} in ${seconds}s${tail}`;
}

interface ExecContext {
  docker: Docker;
  plan: Plan;
  state: StateDir;
  revision: string | null;
  rollout: RolloutOptions;
}

async function executeChange(change: Change, context: ExecContext): Promise<string | undefined> {
  if (change.action === 'delete') return deleteObject(change, context);
  const desired = change.desired;
  if (!desired || desired.kind !== change.kind) {
    throw new ObjectFailure(`the plan's ${change.action} of ${change.kind} ${change.name} carries no desired ${change.kind}`);
  }
  switch (desired.kind) {
    case 'network':
      return change.action === 'create' ? createNetwork(desired, context) : recreateNetwork(change, desired, context);
    case 'secret':
      return change.action === 'create' ? createSecret(desired, context) : updateSecretLabels(change, desired, context);
    case 'volume':
      return createVolume(desired, context);
    case 'service':
      return change.action === 'create' ? createService(desired, context) : updateService(change, desired, context);
    case 'node':
      return updateNode(change, desired, context);
  }
}

// ---------------------------------------------------------------- networks

async function createNetwork(intent: NetworkIntent, { docker }: ExecContext): Promise<string | undefined> {
  const options: Record<string, string> = {};
  if (intent.encrypted) options.encrypted = '';
  if (intent.mtu !== null) options['com.docker.network.driver.mtu'] = String(intent.mtu);
  const body = {
    Name: intent.name,
    Driver: intent.driver,
    CheckDuplicate: true,
    Attachable: intent.attachable,
    Internal: intent.internal,
    Options: options,
    Labels: withManagedLabel(intent.labels),
  };
  try {
    await docker.createNetwork({ _query: {}, _body: body } as unknown as Docker.NetworkCreateOptions);
    return undefined;
  } catch (error) {
    if (!isConflict(error)) throw error;
    await requireManaged('network', intent.name, await findNetworkLabels(docker, intent.name));
    return 'already existed (created by an earlier run)';
  }
}

interface AttachedService {
  ID: string;
  Version?: { Index?: number };
  Spec: Docker.ServiceSpec & { Name: string };
}

/**
 * Docker cannot change a network's driver options in place, so the plan's network update means: detach the
 * services using it (each a rollout), remove it, create it with the new options, attach them again (a rollout each),
 * keeping each attachment's aliases. Services not managed by base on that network make it fail before anything is
 * touched.
 */
async function recreateNetwork(change: Change, intent: NetworkIntent, context: ExecContext): Promise<string | undefined> {
  const { docker } = context;
  if (!change.live) throw new ObjectFailure(`the plan has no live network for ${intent.name}; re-plan`);
  const network = (await docker.getNetwork(change.live.id).inspect()) as { Id: string; Labels?: Record<string, string> | null };
  await requireManaged('network', intent.name, network.Labels ?? {});
  const uses = (s: AttachedService) =>
    ((s.Spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.Networks ?? []).some((n) => n.Target === network.Id || n.Target === intent.name);
  const attached = ((await docker.listServices()) as AttachedService[]).filter(uses);
  const foreign = attached.filter((s) => s.Spec.Labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE);
  if (foreign.length > 0) {
    throw new ObjectFailure(`network ${intent.name} must be recreated but services not managed by base use it (${foreign.map((s) => s.Spec.Name).join(', ')}); detach them first`);
  }
  const aliases = new Map<string, string[] | undefined>();
  for (const service of attached) {
    const task = service.Spec.TaskTemplate as Docker.ContainerTaskSpec;
    const mine = (task.Networks ?? []).find((n) => n.Target === network.Id || n.Target === intent.name);
    aliases.set(service.ID, mine?.Aliases);
    const spec = { ...service.Spec, TaskTemplate: { ...task, Networks: (task.Networks ?? []).filter((n) => n !== mine) } };
    await updateAndWait(context, service.ID, service.Version?.Index, spec, `detaching ${service.Spec.Name} from ${intent.name}`);
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await docker.getNetwork(network.Id).remove();
      break;
    } catch (error) {
      if (isNotFound(error)) break;
      if (!isNetworkInUse(error) || Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
  await createNetwork(intent, context);
  for (const service of attached) {
    const fresh = (await docker.getService(service.ID).inspect()) as AttachedService;
    const task = fresh.Spec.TaskTemplate as Docker.ContainerTaskSpec;
    const link = { Target: intent.name, ...(aliases.get(service.ID) ? { Aliases: aliases.get(service.ID) } : {}) };
    const spec = { ...fresh.Spec, TaskTemplate: { ...task, Networks: [...(task.Networks ?? []), link] } };
    await updateAndWait(context, service.ID, fresh.Version?.Index, spec, `re-attaching ${service.Spec.Name} to ${intent.name}`);
  }
  return `recreated; ${attached.length} service${attached.length === 1 ? '' : 's'} re-attached`;
}

async function updateAndWait(context: ExecContext, id: string, version: number | undefined, spec: Docker.ServiceSpec, what: string): Promise<void> {
  const since = new Date();
  try {
    await context.docker.getService(id).update({ _query: { version }, _body: spec } as never);
  } catch (error) {
    throw new ObjectFailure(`${what}: ${describeDockerError(error)}`);
  }
  const outcome = await waitForRollout(context.docker, id, since, true, context.rollout);
  if (!outcome.ok) throw new ObjectFailure(`${what}: ${outcome.detail}`);
}

async function findNetworkLabels(docker: Docker, name: string): Promise<Record<string, string> | null> {
  const found = (await docker.listNetworks({ filters: { name: [name] } })) as Array<{ Name: string; Labels?: Record<string, string> }>;
  const exact = found.find((n) => n.Name === name);
  return exact ? (exact.Labels ?? {}) : null;
}

// ---------------------------------------------------------------- secrets

async function createSecret(intent: SecretIntent, { docker, state }: ExecContext): Promise<string | undefined> {
  const value = await state.readSecretValue(intent);
  const body = { Name: intent.name, Labels: withManagedLabel(intent.labels), Data: value.toString('base64') };
  value.fill(0);
  try {
    // _query keeps the body out of the URL: docker-modem would otherwise turn these fields into query parameters.
    await docker.createSecret({ _query: {}, _body: body } as unknown as Record<string, unknown>);
    return undefined;
  } catch (error) {
    if (!isConflict(error)) throw error;
    // The name carries the content hash, so an existing managed secret of that name holds the same value.
    const existing = (await docker.listSecrets({ filters: { name: [intent.name] } })) as Array<{ Spec?: { Name?: string; Labels?: Record<string, string> } }>;
    const exact = existing.find((s) => s.Spec?.Name === intent.name);
    await requireManaged('secret', intent.name, exact ? (exact.Spec?.Labels ?? {}) : null);
    return 'already existed (created by an earlier run)';
  }
}

/** Swarm secrets are immutable except for their labels; a new value always comes as a new content-hash name. */
async function updateSecretLabels(change: Change, intent: SecretIntent, { docker }: ExecContext): Promise<string | undefined> {
  if (!change.live) throw new ObjectFailure(`the plan has no live secret for ${intent.name}; re-plan`);
  const info = (await docker.getSecret(change.live.id).inspect()) as { Version?: { Index?: number }; Spec?: Record<string, unknown> };
  const version = change.live.version ?? info.Version?.Index;
  const spec = { ...info.Spec, Name: intent.name, Labels: withManagedLabel(intent.labels) };
  try {
    await docker.getSecret(change.live.id).update({ _query: { version }, _body: spec } as never);
  } catch (error) {
    if (isVersionConflict(error)) throw new ObjectFailure(`version conflict: secret ${intent.name} changed since the plan was made; re-plan`);
    throw error;
  }
  return 'labels updated';
}

// ---------------------------------------------------------------- volumes

async function createVolume(intent: VolumeIntent, { docker }: ExecContext): Promise<string | undefined> {
  const existing = await docker.getVolume(intent.name).inspect().catch((error: unknown) => {
    if (isNotFound(error)) return null;
    throw error;
  });
  if (existing) {
    await requireManaged('volume', intent.name, (existing as { Labels?: Record<string, string> | null }).Labels ?? {});
    return 'already existed (kept, with its data)';
  }
  await docker.createVolume({ Name: intent.name, Driver: 'local', Labels: withManagedLabel(intent.labels) });
  return undefined;
}

// ---------------------------------------------------------------- services

/**
 * The Engine API wants each secret reference's SecretID next to its name (the docker CLI looks it up the same way);
 * the plan names secrets only, since IDs exist only once a secret is created earlier in this same apply.
 */
async function withSecretIds(spec: Docker.ServiceSpec, docker: Docker): Promise<Docker.ServiceSpec> {
  const task = spec.TaskTemplate as Docker.ContainerTaskSpec | undefined;
  const refs = task?.ContainerSpec?.Secrets;
  if (!task || !refs || refs.every((ref) => ref.SecretID)) return spec;
  const names = refs.filter((ref) => !ref.SecretID).map((ref) => ref.SecretName ?? '');
  const found = (await docker.listSecrets({ filters: { name: names } })) as Array<{ ID: string; Spec?: { Name?: string } }>;
  const idOf = new Map(found.map((s) => [s.Spec?.Name ?? '', s.ID]));
  const missing = names.filter((name) => !idOf.has(name));
  if (missing.length > 0) {
    throw new ObjectFailure(`secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in the Swarm; create ${missing.length > 1 ? 'them' : 'it'} first (docker secret create NAME -)`);
  }
  const secrets = refs.map((ref) => (ref.SecretID ? ref : { ...ref, SecretID: idOf.get(ref.SecretName ?? '')! }));
  return { ...spec, TaskTemplate: { ...task, ContainerSpec: { ...task.ContainerSpec, Secrets: secrets } } as Docker.ContainerTaskSpec };
}

async function serviceBody(spec: Docker.ServiceSpec, context: ExecContext): Promise<Docker.ServiceSpec> {
  return withVolatileLabels(await withSecretIds(spec, context.docker), context);
}

function withVolatileLabels(spec: Docker.ServiceSpec, context: ExecContext): Docker.ServiceSpec {
  return {
    ...spec,
    Labels: {
      ...withManagedLabel(spec.Labels ?? {}),
      ...(context.revision ? { [REVISION_LABEL]: context.revision } : {}),
      [PLAN_HASH_LABEL]: context.plan.hash,
      [APPLIED_AT_LABEL]: new Date().toISOString(),
    },
  };
}

async function createService(intent: ServiceIntent, context: ExecContext): Promise<string | undefined> {
  const { docker } = context;
  const since = new Date();
  let id: string;
  try {
    const created = (await docker.createService(await serviceBody(intent.spec, context))) as { ID?: string; id?: string };
    id = created.ID ?? created.id ?? '';
    if (!id) throw new ObjectFailure(`Docker created service ${intent.name} but returned no ID`);
  } catch (error) {
    if (!isConflict(error)) throw error;
    // Created by an earlier (interrupted) or concurrent run: converge that one instead of making a second.
    const live = await inspectServiceByName(docker, intent.name);
    if (!live) throw error;
    await requireManaged('service', intent.name, live.Spec?.Labels ?? {});
    const body = keepForceUpdate(await serviceBody(intent.spec, context), live.Spec);
    await docker.getService(live.ID).update({ _query: { version: live.Version?.Index }, _body: body } as never);
    return waitOrFail(context, live.ID, since, true, intent.name, 'already existed; updated to the desired spec');
  }
  return waitOrFail(context, id, since, false, intent.name);
}

async function updateService(change: Change, intent: ServiceIntent, context: ExecContext): Promise<string | undefined> {
  const { docker } = context;
  if (!change.live || change.live.version === null) {
    throw new ObjectFailure(`the plan has no live Version for service ${intent.name}; re-plan`);
  }
  const current = (await docker.getService(change.live.id).inspect()) as ServiceInfo;
  const body = keepForceUpdate(await serviceBody(intent.spec, context), current.Spec);
  const since = new Date();
  try {
    await docker.getService(change.live.id).update({ _query: { version: change.live.version }, _body: body } as never);
  } catch (error) {
    if (isVersionConflict(error)) {
      throw new ObjectFailure(`version conflict: service ${intent.name} changed since the plan was made (plan saw Version ${change.live.version}); re-plan and apply again`);
    }
    throw error;
  }
  // Swarm replaces tasks when the task template or the endpoint spec changed (orchestrator IsTaskDirty).
  type Specs = { TaskTemplate?: unknown; EndpointSpec?: unknown };
  const inspected = (await docker.getService(change.live.id).inspect()) as { Spec?: Specs; PreviousSpec?: Specs };
  const rolls =
    JSON.stringify(inspected.Spec?.TaskTemplate) !== JSON.stringify(inspected.PreviousSpec?.TaskTemplate) ||
    JSON.stringify(inspected.Spec?.EndpointSpec ?? {}) !== JSON.stringify(inspected.PreviousSpec?.EndpointSpec ?? {});
  return waitOrFail(context, change.live.id, since, rolls, intent.name);
}

async function waitOrFail(
  context: ExecContext,
  id: string,
  since: Date,
  expectRollout: boolean,
  name: string,
  note?: string,
): Promise<string> {
  const outcome = await waitForRollout(context.docker, id, since, expectRollout, context.rollout);
  if (!outcome.ok) throw new ObjectFailure(`service ${name}: ${outcome.detail}`);
  return note ? `${note}; ${outcome.detail}` : outcome.detail;
}

interface ServiceInfo {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Name?: string; Labels?: Record<string, string>; TaskTemplate?: { ForceUpdate?: number } };
}

/**
 * `TaskTemplate.ForceUpdate` is a counter operators bump with `docker service update --force`; the plan ignores it.
 * Sending any other value back would make Swarm replace every task, so updates carry the live value over.
 */
function keepForceUpdate(body: Docker.ServiceSpec, live: ServiceInfo['Spec']): Docker.ServiceSpec {
  const forceUpdate = live?.TaskTemplate?.ForceUpdate;
  if (!forceUpdate) return body;
  return { ...body, TaskTemplate: { ...body.TaskTemplate, ForceUpdate: forceUpdate } };
}

async function inspectServiceByName(docker: Docker, name: string): Promise<ServiceInfo | null> {
  const services = (await docker.listServices({ filters: { name: [name] } })) as ServiceInfo[];
  return services.find((s) => s.Spec?.Name === name) ?? null;
}

// ---------------------------------------------------------------- nodes

interface NodeInfo {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string>; Name?: string };
}

async function updateNode(change: Change, intent: NodeIntent, { docker }: ExecContext): Promise<string | undefined> {
  if (!change.live) throw new ObjectFailure(`the plan has no live node for ${intent.hostname}; re-plan`);
  const node = (await docker.getNode(change.live.id).inspect()) as NodeInfo;
  const version = node.Version?.Index;
  if (change.live.version !== null && version !== change.live.version) {
    throw new ObjectFailure(`version conflict: node ${intent.hostname} changed since the plan was made (plan saw Version ${change.live.version}, now ${version}); re-plan`);
  }
  const labels: Record<string, string> = { ...(node.Spec?.Labels ?? {}) };
  // Labels the reconciler managed before (recorded in base.managed-labels) but no longer declares go away; the
  // plan shows them as diffs whose value disappears. Every other label on the node is kept.
  for (const key of (labels[MANAGED_NODE_LABELS] ?? '').split(',')) if (key && !(key in intent.labels)) delete labels[key];
  for (const diff of change.diffs) {
    const key = labelKeyOfPath(diff.path);
    if (key !== null && diff.after === undefined && !(key in intent.labels)) delete labels[key];
  }
  Object.assign(labels, intent.labels);
  const spec = { ...node.Spec, Labels: labels, Availability: intent.availability };
  try {
    await docker.getNode(change.live.id).update({ _query: { version }, _body: spec } as never);
  } catch (error) {
    if (isVersionConflict(error)) throw new ObjectFailure(`version conflict: node ${intent.hostname} changed while being updated; re-plan`);
    throw error;
  }
  return undefined;
}

/** `labels["a.b"]` or `labels.a` → the label key. */
function labelKeyOfPath(path: string): string | null {
  const quoted = /^(?:Spec\.)?[Ll]abels\[("(?:[^"\\]|\\.)*")\]$/.exec(path);
  if (quoted?.[1]) return JSON.parse(quoted[1]) as string;
  const dotted = /^(?:Spec\.)?[Ll]abels\.(.+)$/.exec(path);
  return dotted?.[1] ?? null;
}

// ---------------------------------------------------------------- deletions

async function deleteObject(change: Change, { docker }: ExecContext): Promise<string | undefined> {
  if (change.kind === 'volume') {
    throw new ObjectFailure(`refusing to delete volume ${change.name}: volumes are never removed by apply (use the explicit purge command)`);
  }
  if (change.kind === 'node') {
    throw new ObjectFailure(`refusing to remove node ${change.name}: nodes absent from the file are left alone (use base worker rm)`);
  }
  const id = change.live?.id ?? change.name;
  try {
    switch (change.kind) {
      case 'service': {
        const info = (await docker.getService(id).inspect()) as ServiceInfo;
        await requireManaged('service', change.name, info.Spec?.Labels ?? {});
        await docker.getService(id).remove();
        return undefined;
      }
      case 'secret': {
        const info = (await docker.getSecret(id).inspect()) as { Spec?: { Labels?: Record<string, string> } };
        await requireManaged('secret', change.name, info.Spec?.Labels ?? {});
        await docker.getSecret(id).remove();
        return undefined;
      }
      case 'network': {
        const info = (await docker.getNetwork(id).inspect()) as { Labels?: Record<string, string> };
        await requireManaged('network', change.name, info.Labels ?? {});
        // Task endpoints of services removed just before leave a few seconds later.
        const deadline = Date.now() + 30_000;
        for (;;) {
          try {
            await docker.getNetwork(id).remove();
            return undefined;
          } catch (error) {
            if (isNotFound(error)) return 'already gone';
            if (!isNetworkInUse(error) || Date.now() > deadline) throw error;
            await sleep(500);
          }
        }
      }
    }
  } catch (error) {
    if (isNotFound(error)) return 'already gone';
    throw error;
  }
}

// ---------------------------------------------------------------- ownership

function withManagedLabel(labels: Record<string, string>): Record<string, string> {
  return { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

async function requireManaged(kind: string, name: string, labels: Record<string, string> | null): Promise<void> {
  if (labels === null) throw new ObjectFailure(`${kind} ${name} reported as existing but not found; re-plan`);
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    throw new ObjectFailure(`${kind} ${name} exists but is not managed by base (no ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} label); it is left alone — rename or remove it by hand`);
  }
}
