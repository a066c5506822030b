/**
 * One reconcile pass, step by step, shared by `base apply` and `base reconcile`: load + validate → (mint tokens) →
 * observe → compile → plan. Each step is another module's job; this file only wires them.
 */
import type Docker from 'dockerode';
import path from 'node:path';
import { execa } from 'execa';
import { loadDesiredState, type Problem, type SubnetDesiredState } from '../desired-state/index.ts';
import { observe, type LiveState } from '../live/index.ts';
import { compile, masterServiceName, plan as makePlan, type Intent, type Plan, type PlanOptions } from '../plan/index.ts';
import { managerHostOptions } from '../plan/manager-host-options.ts';
import type { StateDir } from '../state/index.ts';

/**
 * Limits a pass to objects whose names start with one of these prefixes (intents and live objects alike), so a
 * test or a staged rollout never plans against objects outside it. Nodes are not scoped.
 */
export interface Scope {
  namePrefixes: readonly string[];
}

export interface PlanPassOptions extends Pick<PlanOptions, 'maxDeletes' | 'allowMassDelete'> {
  docker: Docker;
  state: StateDir;
  /** Mint missing tokens / the signing key first (apply); false = read-only (plan, drift check). */
  mint: boolean;
  revision?: string | null;
  scope?: Scope | null;
}

export interface PlanPass {
  desired: SubnetDesiredState;
  intents: Intent[];
  live: LiveState;
  plan: Plan;
}

export type LoadOutcome = { ok: true; state: SubnetDesiredState } | { ok: false; problems: Problem[] };

export async function loadValid(file: string): Promise<LoadOutcome> {
  const result = await loadDesiredState(file);
  return result.ok ? { ok: true, state: result.state } : { ok: false, problems: result.problems };
}

function activeSlugs(desired: SubnetDesiredState): string[] {
  return desired.challenges.filter((c) => c.status === 'active').map((c) => c.slug);
}

/**
 * `docker`: the Engine the plan is for; with a local socket, its group becomes the master's supplementary group and
 * the state folder's applied desired-state copy is mounted into the master.
 */
export async function compileIntents(desired: SubnetDesiredState, state: StateDir, mint: boolean, docker?: Docker): Promise<Intent[]> {
  const slugs = activeSlugs(desired);
  const tokens = mint ? await state.ensureTokens(slugs) : await state.tokenSecretNames(slugs);
  const master = masterServiceName(desired);
  const signingKey = mint ? await state.ensureMasterSigningKey(master) : await state.masterSigningKeySecretName(master);
  return compile(desired, { tokenSecretNames: Object.fromEntries(tokens), signingKeySecretName: signingKey, ...(docker ? await managerHostOptions(docker, state) : {}) });
}

/** Observe → compile → plan for an already valid desired state. */
export async function planPass(desired: SubnetDesiredState, options: PlanPassOptions): Promise<PlanPass> {
  const [intentsAll, liveAll] = await Promise.all([compileIntents(desired, options.state, options.mint, options.docker), observe(options.docker)]);
  const intents = options.scope ? scopeIntents(intentsAll, options.scope) : intentsAll;
  const live = options.scope ? scopeLive(liveAll, options.scope) : liveAll;
  const plan = makePlan(intents, live, {
    revision: options.revision ?? null,
    ...(options.maxDeletes !== undefined ? { maxDeletes: options.maxDeletes } : {}),
    ...(options.allowMassDelete !== undefined ? { allowMassDelete: options.allowMassDelete } : {}),
  });
  return { desired, intents, live, plan };
}

/** Observes the Swarm with the same scope a pass uses (apply --plan compares its fingerprint). */
export async function observeScoped(docker: Docker, scope?: Scope | null): Promise<LiveState> {
  const live = await observe(docker);
  return scope ? scopeLive(live, scope) : live;
}

function inScope(name: string | undefined, scope: Scope): boolean {
  return name !== undefined && scope.namePrefixes.some((prefix) => name.startsWith(prefix));
}

export function scopeIntents(intents: readonly Intent[], scope: Scope): Intent[] {
  return intents.filter((intent) => intent.kind === 'node' || inScope(intent.name, scope));
}

export function scopeLive(live: LiveState, scope: Scope): LiveState {
  return {
    services: live.services.filter((s) => inScope(s.Spec.Name, scope)),
    networks: live.networks.filter((n) => inScope(n.Name, scope)),
    volumes: live.volumes.filter((v) => inScope(v.Name, scope)),
    secrets: live.secrets.filter((s) => inScope(s.Spec.Name, scope)),
    nodes: live.nodes,
  };
}

/** `git rev-parse HEAD` of the repository holding the file, or null outside Git. */
export async function gitRevisionOf(file: string): Promise<string | null> {
  try {
    const { stdout } = await execa('git', ['rev-parse', 'HEAD'], { cwd: path.dirname(path.resolve(file)), timeout: 5_000 });
    const revision = stdout.trim();
    return /^[0-9a-f]{40,64}$/.test(revision) ? revision : null;
  } catch {
    return null;
  }
}
