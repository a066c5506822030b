/**
 * The one plan model. `plan()` (pure) produces it from desired and live state; renderers only read it; the apply
 * executor only acts on it. Nothing in here talks to Docker.
 */
import type Docker from 'dockerode';

/** Every object the reconciler creates carries this label; objects without it are never changed or removed. */
export const MANAGED_BY_LABEL = 'base.managed-by';
export const MANAGED_BY_VALUE = 'base';
/** Labels that identify what an object belongs to. */
export const CHALLENGE_SLUG_LABEL = 'base.challenge.slug';
export const OBJECT_ROLE_LABEL = 'base.role';
/**
 * Volatile reconciler metadata, written on services at create/update only and never compared: a new Git revision
 * alone must not touch (or restart) anything.
 */
export const VOLATILE_LABELS = ['base.desired-state.revision', 'base.plan.hash', 'base.applied-at'] as const;

export type ObjectKind = 'network' | 'secret' | 'volume' | 'service' | 'node';
/** Creation/update order; deletions run in the reverse order. */
export const KIND_ORDER: readonly ObjectKind[] = ['network', 'secret', 'volume', 'service', 'node'];

export type Action = 'create' | 'update' | 'delete' | 'no-op';
/** What an action does to running tasks: Swarm restarts tasks for any change in the task template. */
export type Impact = 'none' | 'no-restart' | 'rolls-tasks';

export interface NetworkIntent {
  kind: 'network';
  name: string;
  driver: 'overlay';
  encrypted: boolean;
  mtu: number | null;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
}

/** A Swarm secret whose value the executor reads from the state folder; the value is never part of a plan. */
export interface SecretIntent {
  kind: 'secret';
  /** Content-hash name, e.g. challenge-<slug>-token-<hash12>: Swarm secrets are immutable. */
  name: string;
  labels: Record<string, string>;
  source: { type: 'challenge-token'; slug: string } | { type: 'master-signing-key' };
}

export interface VolumeIntent {
  kind: 'volume';
  name: string;
  labels: Record<string, string>;
}

export interface ServiceIntent {
  kind: 'service';
  name: string;
  /** Complete Docker ServiceSpec as it will be sent (volatile labels added by the executor). */
  spec: Docker.ServiceSpec;
  /** The challenge slug, or null for the master service. */
  slug: string | null;
  /** How this challenge runs with less than the default hardening, in words (absent: none); each is a plan warning. */
  hardeningOptOuts?: string[];
}

export interface NodeIntent {
  kind: 'node';
  hostname: string;
  /** Only the labels the reconciler manages on this node (base.workload plus declared labels). */
  labels: Record<string, string>;
  availability: 'active' | 'pause' | 'drain';
}

export type Intent = NetworkIntent | SecretIntent | VolumeIntent | ServiceIntent | NodeIntent;

/** One field-level difference; `path` is dotted from the object's root, e.g. TaskTemplate.ContainerSpec.Image. */
export interface FieldDiff {
  path: string;
  before?: unknown;
  after?: unknown;
  /** Renderers mask values of sensitive fields. */
  sensitive: boolean;
  /** True when the field lives in the task template (changing it restarts tasks). */
  rollsTasks: boolean;
}

export interface LiveRef {
  id: string;
  /** Swarm object version, for optimistic concurrency on update. */
  version: number | null;
}

export interface Change {
  kind: ObjectKind;
  name: string;
  action: Action;
  impact: Impact;
  diffs: FieldDiff[];
  /** The intended object for create/update (and for no-op, for reference). */
  desired: Intent | null;
  /** The live object for update/delete/no-op. */
  live: LiveRef | null;
  /** Why, in words: "new challenge", "removed from subnet.yaml", "status inactive", "drift", ... */
  reason: string | null;
}

export interface PlanWarning {
  kind: ObjectKind;
  name: string;
  code: 'name-clash-unmanaged' | 'node-not-found' | 'secret-not-found' | string;
  message: string;
}

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  /** Services whose tasks will be replaced. */
  restarts: number;
  unchanged: number;
}

export const PLAN_FORMAT_VERSION = 1;

export interface Plan {
  format_version: typeof PLAN_FORMAT_VERSION;
  /** Desired-state Git revision the plan was made from, when known. */
  revision: string | null;
  /** Ordered: create/update by KIND_ORDER, then deletions in reverse order. No-ops included (action 'no-op'). */
  changes: Change[];
  warnings: PlanWarning[];
  summary: PlanSummary;
  /** Hash of the normalized live state the plan was computed against (apply --plan refuses if it moved). */
  live_fingerprint: string;
  /** Hash of the changes (stable across runs for the same inputs). */
  hash: string;
}

/**
 * Secret names not known at plan time (the token is minted, and its content-hash name computed, by apply) end in
 * this suffix; renderers show it as is and the executor replaces the whole name.
 */
export const PENDING_SECRET_NAME_SUFFIX = '(minted at apply)';

export function isPendingSecretName(name: string): boolean {
  return name.endsWith(PENDING_SECRET_NAME_SUFFIX);
}
