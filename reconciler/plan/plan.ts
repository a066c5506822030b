/**
 * plan(desired intents, live state) → Plan. Pure: never calls Docker. Both sides are normalized (live/normalize.ts)
 * before comparing; objects without `base.managed-by=base` are never changed or removed.
 */
import type Docker from 'dockerode';
import {
  isManaged,
  networkNameIndex,
  nodeHostname,
  normalizeNetwork,
  normalizeNode,
  normalizeSecret,
  normalizeServiceSpec,
  normalizeVolume,
  type Comparable,
  type ComparableNetwork,
  type NormalizeContext,
} from '../live/normalize.ts';
import type { LiveState, RawService } from '../live/types.ts';
import { canonicalHash } from './canonical.ts';
import { MANAGED_NODE_LABELS_LABEL, WORKLOAD_LABEL, externalSecretNames } from './compile.ts';
import { diffValues, type RawDiff } from './diff.ts';
import { guardMassDelete, type GuardOptions } from './guard.ts';
import {
  CHALLENGE_SLUG_LABEL,
  KIND_ORDER,
  OBJECT_ROLE_LABEL,
  PLAN_FORMAT_VERSION,
  type Change,
  type FieldDiff,
  type Impact,
  type Intent,
  type LiveRef,
  type NetworkIntent,
  type NodeIntent,
  type ObjectKind,
  type Plan,
  type PlanWarning,
  type SecretIntent,
  type ServiceIntent,
  type VolumeIntent,
} from './model.ts';
import { isSensitiveField } from './sensitive.ts';

export interface PlanOptions extends GuardOptions {
  /** Desired-state Git revision, recorded in the plan. */
  revision?: string | null;
  /** Warn when a service references a secret no intent creates and the live Swarm lacks (default true). */
  checkExternalSecrets?: boolean;
}

/** Paths whose change makes Swarm replace tasks (orchestrator.IsTaskDirty compares the task spec and endpoint spec). */
export function rollsTasks(path: string): boolean {
  return path.startsWith('TaskTemplate') || path.startsWith('EndpointSpec');
}

function toFieldDiffs(raw: RawDiff[], classify: (path: string) => boolean): FieldDiff[] {
  return raw.map((d) => {
    const diff: FieldDiff = { path: d.path, sensitive: isSensitiveField(d.segments, d.before, d.after), rollsTasks: classify(d.path) };
    if ('before' in d) diff.before = d.before;
    if ('after' in d) diff.after = d.after;
    return diff;
  });
}

const never = (): boolean => false;

function ref(id: string, version: number | null | undefined): LiveRef {
  return { id, version: version ?? null };
}

function change(kind: ObjectKind, name: string, action: Change['action'], fields: Partial<Change> = {}): Change {
  return { kind, name, action, impact: 'none', diffs: [], desired: null, live: null, reason: null, ...fields };
}

function comparableNetwork(intent: NetworkIntent): ComparableNetwork {
  const { driver, encrypted, mtu, internal, attachable, labels } = intent;
  return { driver, encrypted, mtu, internal, attachable, labels };
}

/** A tag-only desired image matches a live image pinned to a digest of that same tag (what `docker service create` does). */
function alignImage(desired: Comparable, live: Comparable): Comparable {
  const image = (spec: Comparable): string | undefined =>
    ((spec.TaskTemplate as Comparable | undefined)?.ContainerSpec as Comparable | undefined)?.Image as string | undefined;
  const want = image(desired);
  const have = image(live);
  if (!want || !have || want.includes('@') || !have.startsWith(`${want}@sha256:`)) return live;
  const copy = structuredClone(live);
  ((copy.TaskTemplate as Comparable).ContainerSpec as Comparable).Image = want;
  return copy;
}

/** Collects the changes and warnings of one planning run. */
class PlanBuilder {
  readonly changes: Change[] = [];
  readonly warnings: PlanWarning[] = [];

  add(change: Change): void {
    this.changes.push(change);
  }

  warn(kind: ObjectKind, name: string, code: PlanWarning['code'], message: string): void {
    this.warnings.push({ kind, name, code, message });
  }

  clash(kind: ObjectKind, name: string): void {
    this.warn(kind, name, 'name-clash-unmanaged', `${kind} ${name} exists but is not managed by base (no base.managed-by=base label): left untouched; rename or remove it by hand`);
  }
}

function intentsOf<K extends ObjectKind>(desired: readonly Intent[], kind: K): Extract<Intent, { kind: K }>[] {
  return desired.filter((i): i is Extract<Intent, { kind: K }> => i.kind === kind);
}

function planNetworks(out: PlanBuilder, intents: NetworkIntent[], live: LiveState): void {
  for (const intent of intents) {
    const found = live.networks.find((n) => n.Name === intent.name);
    if (!found) {
      out.add(change('network', intent.name, 'create', { desired: intent, diffs: toFieldDiffs(diffValues({}, comparableNetwork(intent), [], true), never), reason: 'new network' }));
    } else if (!isManaged(found.Labels)) {
      out.clash('network', intent.name);
    } else {
      const diffs = toFieldDiffs(diffValues(normalizeNetwork(found), comparableNetwork(intent)), never);
      out.add(
        diffs.length === 0
          ? change('network', intent.name, 'no-op', { desired: intent, live: ref(found.Id, null) })
          : change('network', intent.name, 'update', {
              desired: intent,
              live: ref(found.Id, null),
              diffs,
              impact: 'no-restart',
              reason: 'Docker fixes network options at creation: apply cannot change it in place (remove it with its services, or declare a new name)',
            }),
      );
    }
  }
  for (const found of live.networks) {
    if (isManaged(found.Labels) && !intents.some((i) => i.name === found.Name)) {
      out.add(change('network', found.Name, 'delete', { live: ref(found.Id, null), reason: 'removed from the desired state' }));
    }
  }
}

/** Secrets: metadata only; names carry a content hash, so a new value is a new secret. */
function planSecrets(out: PlanBuilder, desired: readonly Intent[], live: LiveState, checkExternal: boolean): void {
  const intents = intentsOf(desired, 'secret');
  for (const intent of intents) {
    // A pending name never exists in a real Swarm (parentheses are not valid there), so it is always a creation.
    const found = live.secrets.find((s) => s.Spec.Name === intent.name);
    if (!found) {
      out.add(change('secret', intent.name, 'create', { desired: intent, diffs: toFieldDiffs(diffValues({}, { labels: intent.labels }, [], true), never), reason: secretReason(intent) }));
    } else if (!isManaged(found.Spec.Labels)) {
      out.clash('secret', intent.name);
    } else {
      const diffs = toFieldDiffs(diffValues(normalizeSecret(found), { labels: intent.labels }), never);
      out.add(
        change('secret', intent.name, diffs.length === 0 ? 'no-op' : 'update', {
          desired: intent,
          live: ref(found.ID, found.Version?.Index),
          diffs,
          impact: diffs.length === 0 ? 'none' : 'no-restart',
          reason: diffs.length === 0 ? null : 'labels drifted',
        }),
      );
    }
  }
  // A managed secret a desired service still mounts (e.g. an admin token created with the managed label) is kept.
  const external = new Set(externalSecretNames(desired));
  for (const found of live.secrets) {
    if (isManaged(found.Spec.Labels) && !intents.some((i) => i.name === found.Spec.Name) && !external.has(found.Spec.Name)) {
      out.add(change('secret', found.Spec.Name, 'delete', { live: ref(found.ID, found.Version?.Index), reason: 'no longer referenced by any desired service' }));
    }
  }
  if (!checkExternal) return;
  for (const name of external) {
    if (live.secrets.some((s) => s.Spec.Name === name)) continue;
    const users = intentsOf(desired, 'service').filter((s) => referencesSecret(s, name)).map((s) => s.name);
    out.warn('secret', name, 'secret-not-found', `secret ${name} (used by ${users.join(', ')}) does not exist in the Swarm; create it first (docker secret create ${name} -), or the service cannot start`);
  }
}

/** Why a volume is created, from its labels: whose data it holds. */
function newVolumeReason(intent: VolumeIntent): string {
  const slug = intent.labels[CHALLENGE_SLUG_LABEL];
  if (slug !== undefined) return `new data volume of challenge ${slug}`;
  const role = intent.labels[OBJECT_ROLE_LABEL];
  return role !== undefined ? `new ${role} data volume` : 'new volume';
}

/** Volumes: never deleted, never updated (labels are immutable); drift is a warning. */
function planVolumes(out: PlanBuilder, intents: VolumeIntent[], live: LiveState): void {
  for (const intent of intents) {
    const found = live.volumes.find((v) => v.Name === intent.name);
    if (!found) {
      out.add(change('volume', intent.name, 'create', { desired: intent, diffs: toFieldDiffs(diffValues({}, { labels: intent.labels }, [], true), never), reason: newVolumeReason(intent) }));
    } else if (!isManaged(found.Labels)) {
      out.clash('volume', intent.name);
    } else {
      const drift = diffValues(normalizeVolume(found), { labels: intent.labels });
      if (drift.length > 0) {
        out.warn('volume', intent.name, 'volume-labels-drift', `volume ${intent.name} labels differ (${drift.map((d) => d.path).join(', ')}); volume labels are immutable, left as is`);
      }
      out.add(change('volume', intent.name, 'no-op', { desired: intent, live: ref(found.Name, null) }));
    }
  }
}

/** Services; returns the counts the mass-delete guard needs. */
function planServices(out: PlanBuilder, intents: ServiceIntent[], live: LiveState): { liveChallengeServices: number; challengeDeletes: number } {
  const context: NormalizeContext = { networkNames: networkNameIndex(live.networks) };
  for (const intent of intents) {
    const found = live.services.find((s) => s.Spec.Name === intent.name);
    const want = normalizeServiceSpec(intent.spec, context);
    if (intent.hardeningOptOuts && intent.hardeningOptOuts.length > 0) {
      out.warn('service', intent.name, 'hardening-opt-out', `runs with less than the default hardening, as its hardening: section declares: ${intent.hardeningOptOuts.join('; ')}`);
    }
    if (!found) {
      out.add(change('service', intent.name, 'create', { desired: intent, diffs: toFieldDiffs(diffValues({}, want, [], true), rollsTasks), reason: intent.slug ? 'new challenge' : 'new service' }));
    } else if (!isManaged(found.Spec.Labels)) {
      out.clash('service', intent.name);
    } else {
      const have = alignImage(want, normalizeServiceSpec(found.Spec, context));
      const diffs = toFieldDiffs(diffValues(have, want), rollsTasks);
      const impact: Impact = diffs.length === 0 ? 'none' : diffs.some((d) => d.rollsTasks) ? 'rolls-tasks' : 'no-restart';
      out.add(
        change('service', intent.name, diffs.length === 0 ? 'no-op' : 'update', {
          desired: intent,
          live: ref(found.ID, found.Version?.Index),
          diffs,
          impact,
          reason: diffs.length === 0 ? null : 'differs from the desired state',
        }),
      );
    }
  }
  let liveChallengeServices = 0;
  let challengeDeletes = 0;
  for (const found of live.services) {
    if (!isManaged(found.Spec.Labels)) continue;
    const isChallenge = found.Spec.Labels?.[CHALLENGE_SLUG_LABEL] !== undefined;
    if (isChallenge) liveChallengeServices += 1;
    if (intents.some((i) => i.name === found.Spec.Name)) continue;
    if (isChallenge) challengeDeletes += 1;
    out.add(change('service', found.Spec.Name ?? found.ID, 'delete', { live: ref(found.ID, found.Version?.Index), reason: deleteReason(found) }));
  }
  return { liveChallengeServices, challengeDeletes };
}

/** Nodes: only the managed labels and availability; nodes absent from the file are left alone. */
function planNodes(out: PlanBuilder, intents: NodeIntent[], live: LiveState): void {
  for (const intent of intents) {
    const found = live.nodes.find((n) => nodeHostname(n) === intent.hostname);
    if (!found) {
      out.warn('node', intent.hostname, 'node-not-found', `worker ${intent.hostname} is not in the Swarm; join it first (base worker token --${intent.labels[WORKLOAD_LABEL] ?? 'cpu'})`);
      continue;
    }
    const diffs = toFieldDiffs(diffValues(comparableNode(found.Spec.Labels ?? {}, normalizeNode(found).availability, intent), { labels: intent.labels, availability: intent.availability }), never);
    out.add(
      change('node', intent.hostname, diffs.length === 0 ? 'no-op' : 'update', {
        desired: intent,
        live: ref(found.ID, found.Version?.Index),
        diffs,
        impact: diffs.length === 0 ? 'none' : 'no-restart',
        reason: diffs.length === 0 ? null : 'labels or availability differ',
      }),
    );
  }
}

export function plan(desired: readonly Intent[], live: LiveState, options: PlanOptions = {}): Plan {
  const out = new PlanBuilder();
  planNetworks(out, intentsOf(desired, 'network'), live);
  planSecrets(out, desired, live, options.checkExternalSecrets !== false);
  planVolumes(out, intentsOf(desired, 'volume'), live);
  const guardCounts = planServices(out, intentsOf(desired, 'service'), live);
  planNodes(out, intentsOf(desired, 'node'), live);
  const { changes, warnings } = out;

  const ordered = orderChanges(changes);
  const summary = {
    add: ordered.filter((c) => c.action === 'create').length,
    change: ordered.filter((c) => c.action === 'update').length,
    destroy: ordered.filter((c) => c.action === 'delete').length,
    restarts: ordered.filter((c) => c.kind === 'service' && c.action === 'update' && c.impact === 'rolls-tasks').length,
    unchanged: ordered.filter((c) => c.action === 'no-op').length,
  };
  const result: Plan = {
    format_version: PLAN_FORMAT_VERSION,
    revision: options.revision ?? null,
    changes: ordered,
    warnings: warnings.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || cmp(a.name, b.name) || cmp(a.code, b.code)),
    summary,
    live_fingerprint: liveFingerprint(live),
    hash: planHash(ordered),
  };
  guardMassDelete(result, guardCounts, options);
  return result;
}

function referencesSecret(intent: ServiceIntent, name: string): boolean {
  const task = intent.spec.TaskTemplate as Docker.ContainerTaskSpec | undefined;
  return (task?.ContainerSpec?.Secrets ?? []).some((s) => s.SecretName === name);
}

function secretReason(intent: SecretIntent): string {
  return intent.source.type === 'challenge-token' ? `token for challenge ${intent.source.slug}` : 'master signing key';
}

function deleteReason(found: RawService): string {
  return found.Spec.Labels?.[CHALLENGE_SLUG_LABEL] !== undefined
    ? 'challenge removed from the desired state or not active (its volume is kept)'
    : 'removed from the desired state';
}

/** The live side of a node, restricted to the labels the reconciler manages there (declared now or recorded before). */
function comparableNode(liveLabels: Record<string, string>, availability: string, intent: NodeIntent): { labels: Record<string, string>; availability: string } {
  const keys = new Set([...Object.keys(intent.labels), WORKLOAD_LABEL, MANAGED_NODE_LABELS_LABEL]);
  for (const key of (liveLabels[MANAGED_NODE_LABELS_LABEL] ?? '').split(',')) if (key) keys.add(key);
  const labels: Record<string, string> = {};
  for (const key of keys) if (liveLabels[key] !== undefined) labels[key] = liveLabels[key];
  return { labels, availability };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Creates, updates and no-ops by KIND_ORDER; then deletions in the reverse kind order. Names sort within a kind. */
export function orderChanges(changes: readonly Change[]): Change[] {
  const rank = (kind: ObjectKind) => KIND_ORDER.indexOf(kind);
  const forward = changes.filter((c) => c.action !== 'delete').sort((a, b) => rank(a.kind) - rank(b.kind) || cmp(a.name, b.name));
  const deletes = changes.filter((c) => c.action === 'delete').sort((a, b) => rank(b.kind) - rank(a.kind) || cmp(a.name, b.name));
  return [...forward, ...deletes];
}

/** Hash of what the plan would do (live IDs excluded): the same inputs give the same hash on every run. */
export function planHash(changes: readonly Change[]): string {
  return canonicalHash(
    changes.filter((c) => c.action !== 'no-op').map((c) => ({ kind: c.kind, name: c.name, action: c.action, impact: c.impact, diffs: c.diffs, desired: c.desired })),
  );
}

/** Hash of the live objects a plan depends on, with their Swarm versions; volatile status fields are left out. */
export function liveFingerprint(live: LiveState): string {
  return canonicalHash({
    services: live.services.map((s) => ({ id: s.ID, version: s.Version?.Index ?? null, spec: s.Spec })),
    networks: live.networks.map((n) => ({ id: n.Id, name: n.Name, driver: n.Driver, options: n.Options ?? {}, labels: n.Labels ?? {}, internal: n.Internal ?? false, attachable: n.Attachable ?? false })),
    volumes: live.volumes.map((v) => ({ name: v.Name, labels: v.Labels ?? {} })),
    secrets: live.secrets.map((s) => ({ id: s.ID, version: s.Version?.Index ?? null, name: s.Spec.Name, labels: s.Spec.Labels ?? {} })),
    nodes: live.nodes.map((n) => ({ id: n.ID, version: n.Version?.Index ?? null, hostname: nodeHostname(n), labels: n.Spec.Labels ?? {}, availability: n.Spec.Availability ?? null })),
  });
}
