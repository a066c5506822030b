/**
 * `base apply`, as a function: load + validate → lock → mint tokens → observe → plan → show → confirm → execute →
 * result. The CLI command and the tests both call it; it never prints a secret.
 */
import { stringify } from 'yaml';
import type Docker from 'dockerode';
import { formatProblem } from '../desired-state/index.ts';
import { acquireApplyLock, type HeldLock } from '../lock/index.ts';
import { liveFingerprint, MassDeleteRefusedError, type Plan } from '../plan/index.ts';
import type { StateDir } from '../state/index.ts';
import { applyPlan } from './apply-plan.ts';
import { gitRevisionOf, loadValid, observeScoped, planPass, type Scope } from './pipeline.ts';
import { resolvePendingSecretNames } from './resolve-pending.ts';
import type { ApplyResult } from './result.ts';
import type { RolloutOptions } from './rollout.ts';
import { readSavedPlan } from './saved-plan.ts';

export interface RunApplyOptions {
  file: string;
  docker: Docker;
  state: StateDir;
  /** A saved plan to apply instead of planning now (refused if the live state moved since). */
  planFile?: string | null;
  revision?: string | null;
  autoApprove: boolean;
  lockTimeoutMs: number;
  breakLock?: boolean;
  scope?: Scope | null;
  maxDeletes?: number;
  allowMassDelete?: boolean;
  rollout?: Partial<RolloutOptions>;
  command?: string;
}

export interface ApplyIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Shows the plan to the operator. */
  renderPlan: (plan: Plan) => string;
  /** null when no one can be asked (not a terminal). */
  confirm: ((question: string) => Promise<boolean>) | null;
}

export type RunApplyOutcome =
  | { status: 'invalid'; exitCode: 1 }
  | { status: 'refused'; exitCode: 1; message: string }
  | { status: 'declined'; exitCode: 1 }
  | { status: 'no-changes'; exitCode: 0; plan: Plan }
  | { status: 'applied'; exitCode: 0 | 1; plan: Plan; result: ApplyResult };

export class ApplyRefusedError extends Error {}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== 'no-op');
}

export async function runApply(options: RunApplyOptions, io: ApplyIO): Promise<RunApplyOutcome> {
  let desiredRevision: string | null = null;
  let loaded: Awaited<ReturnType<typeof loadValid>> | null = null;
  if (!options.planFile) {
    loaded = await loadValid(options.file);
    if (!loaded.ok) {
      io.err(`${loaded.problems.map(formatProblem).join('\n')}\n`);
      io.err(`${options.file}: invalid desired state; nothing was applied\n`);
      return { status: 'invalid', exitCode: 1 };
    }
    desiredRevision = options.revision !== undefined && options.revision !== null ? options.revision : await gitRevisionOf(options.file);
  }

  const lock: HeldLock = await acquireApplyLock(options.state.dir, {
    timeoutMs: options.lockTimeoutMs,
    breakStale: Boolean(options.breakLock),
    command: options.command ?? `base apply ${options.planFile ? `--plan ${options.planFile}` : options.file}`,
    onWait: (holder) => io.err(`waiting for the apply lock held by pid ${holder.pid} on ${holder.host} (${holder.command})...\n`),
  });
  const release = () => lock.releaseSync();
  process.once('exit', release);
  try {
    let plan: Plan;
    if (options.planFile) {
      plan = await readSavedPlan(options.planFile);
      const live = await observeScoped(options.docker, options.scope);
      if (liveFingerprint(live) !== plan.live_fingerprint) {
        const message = `live state changed since the plan was made (${options.planFile}); re-plan`;
        io.err(`error: ${message}\n`);
        return { status: 'refused', exitCode: 1, message };
      }
      plan = await resolvePendingSecretNames(plan, options.state);
      if (options.revision) plan = { ...plan, revision: options.revision };
    } else {
      try {
        const pass = await planPass((loaded as { ok: true; state: Parameters<typeof planPass>[0] }).state, {
          docker: options.docker,
          state: options.state,
          mint: true,
          revision: desiredRevision,
          scope: options.scope ?? null,
          ...(options.maxDeletes !== undefined ? { maxDeletes: options.maxDeletes } : {}),
          ...(options.allowMassDelete !== undefined ? { allowMassDelete: options.allowMassDelete } : {}),
        });
        plan = pass.plan;
      } catch (error) {
        if (error instanceof MassDeleteRefusedError) {
          io.err(`error: ${error.message}\n`);
          return { status: 'refused', exitCode: 1, message: error.message };
        }
        throw error;
      }
    }

    io.out(io.renderPlan(plan));
    // The master serves the last applied desired state: a copy in the state folder it mounts (see compile).
    const recordApplied = async (): Promise<void> => {
      if (loaded?.ok) await options.state.writeAppliedDesiredState(stringify(loaded.state));
    };
    if (!hasChanges(plan)) {
      await recordApplied();
      return { status: 'no-changes', exitCode: 0, plan };
    }

    if (!options.autoApprove) {
      if (!io.confirm) {
        const message = 'refusing to apply without confirmation: stdin/stdout is not a terminal; review the plan and pass --auto-approve';
        io.err(`error: ${message}\n`);
        return { status: 'refused', exitCode: 1, message };
      }
      if (!(await io.confirm('Apply? (yes/no)'))) {
        io.err('Apply cancelled; nothing was changed.\n');
        return { status: 'declined', exitCode: 1 };
      }
    }

    await options.state.ensureAppliedDesiredStateDir();
    // First deploy: nothing was applied before, so a master created by this apply starts from the state being applied.
    if (!(await options.state.hasAppliedDesiredState())) await recordApplied();
    const result = await applyPlan(plan, options.docker, {
      state: options.state,
      revision: plan.revision ?? desiredRevision,
      progress: (line) => io.out(`  ${line}\n`),
      ...(options.rollout ? { rollout: options.rollout } : {}),
    });
    io.out(resultSummary(result));
    if (result.outcome === 'succeeded') await recordApplied();
    return { status: 'applied', exitCode: result.outcome === 'succeeded' ? 0 : 1, plan, result };
  } finally {
    process.removeListener('exit', release);
    await lock.release();
  }
}

export function resultSummary(result: ApplyResult): string {
  const count = (outcome: string) => result.objects.filter((o) => o.outcome === outcome).length;
  const seconds = ((Date.parse(result.finished_at) - Date.parse(result.started_at)) / 1000).toFixed(1);
  const head = result.outcome === 'succeeded' ? 'Apply complete' : result.outcome === 'partial' ? 'Apply PARTIALLY FAILED' : 'Apply FAILED';
  const failures = result.objects.filter((o) => o.outcome !== 'succeeded').map((o) => `  ${o.outcome}: ${o.kind} ${o.name}: ${o.error ?? ''}\n`);
  return `${head}: ${count('succeeded')} succeeded, ${count('failed')} failed, ${count('skipped')} skipped in ${seconds}s (plan ${result.plan_hash.slice(0, 12)})\n${failures.join('')}`;
}
