/**
 * `base reconcile --watch`: a level-triggered loop. Triggers (the desired-state file changed, a new upstream commit,
 * the drift interval) only mark the loop dirty; one worker runs passes one at a time, so a burst of triggers gives
 * one pass, and a trigger during a pass gives exactly one more. A pass is a drift check (observe → plan, no lock,
 * no writes) and, only when it shows changes, a full apply under the apply lock. A failing pass is retried with
 * backoff (p-retry); an invalid file is reported and nothing is applied until the file changes.
 */
import { stringify } from 'yaml';
import type Docker from 'dockerode';
import { watch, type FSWatcher } from 'chokidar';
import pRetry, { AbortError } from 'p-retry';
import { readFile } from 'node:fs/promises';
import { formatProblem, parseDesiredState, type SubnetDesiredState } from '../desired-state/index.ts';
import { plan as makePlan } from '../plan/index.ts';
import { briefPlanText } from '../apply/plan-text.ts';
import { compileIntents, loadValid, observeScoped, scopeIntents, type LoadOutcome, type PlanPass, type Scope } from '../apply/pipeline.ts';
import { hasChanges, runApply, type RunApplyOutcome } from '../apply/run-apply.ts';
import type { RolloutOptions } from '../apply/rollout.ts';
import type { StateDir } from '../state/index.ts';
import { pollGitUpstream } from './git-poll.ts';

export interface ReconcileOptions {
  file: string;
  docker: Docker;
  state: StateDir;
  scope?: Scope | null;
  lockTimeoutMs?: number;
  /** Break a stale apply lock (dead holder on this host, or no heartbeat within the TTL) instead of waiting on it. */
  breakStaleLock?: boolean;
  rollout?: Partial<RolloutOptions>;
  maxDeletes?: number;
  allowMassDelete?: boolean;
  log?: (line: string) => void;
}

export interface LoopOptions extends ReconcileOptions {
  /** Drift interval: a pass at least this often even without other triggers. */
  driftIntervalMs: number;
  /** `git fetch` interval; null = no commit polling. */
  gitPollMs: number | null;
  watchFile?: boolean;
  /** Retries of a failing pass before waiting for the next trigger. */
  retries?: number;
  minRetryMs?: number;
  maxRetryMs?: number;
}

export type PassResult =
  | { kind: 'invalid'; problems: number }
  | { kind: 'in-sync'; driftCheckMs: number }
  | { kind: 'applied'; driftCheckMs: number; outcome: RunApplyOutcome };

export interface DriftCheck extends PlanPass {
  durationMs: number;
  /** Where the time went: observing the Swarm (in parallel with compiling) and planning. */
  timings: { observeMs: number; planMs: number };
}

/** Observe → plan against the given desired state, with no lock and no writes. */
export async function driftCheck(desired: SubnetDesiredState, options: ReconcileOptions): Promise<DriftCheck> {
  const started = performance.now();
  const [intents, live] = await Promise.all([
    compileIntents(desired, options.state, false, options.docker),
    observeScoped(options.docker, options.scope ?? null).then((value) => ({ value, at: performance.now() })),
  ]);
  const planStarted = performance.now();
  const scoped = options.scope ? scopeIntents(intents, options.scope) : intents;
  // The guard runs for real in the apply that follows, under the lock.
  const plan = makePlan(scoped, live.value, { allowMassDelete: true });
  const ended = performance.now();
  return {
    desired,
    intents: scoped,
    live: live.value,
    plan,
    durationMs: ended - started,
    timings: { observeMs: live.at - started, planMs: ended - planStarted },
  };
}

/**
 * Loads and validates the desired state, parsing only when the file's content changed since the last load (a
 * drift pass then costs one file read, not a YAML parse and a schema validation).
 */
export class DesiredStateCache {
  private last: { text: string; outcome: LoadOutcome } | null = null;

  constructor(private readonly file: string) {}

  async load(): Promise<LoadOutcome> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      this.last = null;
      return loadValid(this.file); // reports the unreadable file with its position like any other problem
    }
    if (this.last?.text === text) return this.last.outcome;
    const outcome = toOutcome(parseDesiredState(text, this.file));
    this.last = { text, outcome };
    return outcome;
  }
}

function toOutcome(result: ReturnType<typeof parseDesiredState>): LoadOutcome {
  return result.ok ? { ok: true, state: result.state } : { ok: false, problems: result.problems };
}

class PassFailed extends Error {}

/** One reconcile pass: load (invalid → report, nothing applied) → drift check → apply only if there are changes. */
export async function reconcileOnce(options: ReconcileOptions, cache: DesiredStateCache = new DesiredStateCache(options.file)): Promise<PassResult> {
  const log = options.log ?? (() => undefined);
  const loaded = await cache.load();
  if (!loaded.ok) {
    log(`${options.file}: invalid desired state, nothing applied:\n${loaded.problems.map(formatProblem).join('\n')}`);
    return { kind: 'invalid', problems: loaded.problems.length };
  }
  const check = await driftCheck(loaded.state, options);
  if (!hasChanges(check.plan)) {
    // In sync, so this state is what runs. Fields only the master reads (the epoch interval, the chain endpoint)
    // change no service: recording the copy here is how such a change reaches the master.
    await options.state.writeAppliedDesiredState(stringify(loaded.state));
    return { kind: 'in-sync', driftCheckMs: check.durationMs };
  }
  log(`drift check (${check.durationMs.toFixed(0)} ms): ${check.plan.summary.add} to add, ${check.plan.summary.change} to change, ${check.plan.summary.destroy} to destroy; applying`);
  const outcome = await runApply(
    {
      file: options.file,
      docker: options.docker,
      state: options.state,
      autoApprove: true,
      lockTimeoutMs: options.lockTimeoutMs ?? 60_000,
      breakLock: Boolean(options.breakStaleLock),
      scope: options.scope ?? null,
      ...(options.rollout ? { rollout: options.rollout } : {}),
      ...(options.maxDeletes !== undefined ? { maxDeletes: options.maxDeletes } : {}),
      ...(options.allowMassDelete !== undefined ? { allowMassDelete: options.allowMassDelete } : {}),
      command: `base reconcile ${options.file}`,
    },
    { out: (text) => log(text.trimEnd()), err: (text) => log(text.trimEnd()), renderPlan: briefPlanText, confirm: null },
  );
  return { kind: 'applied', driftCheckMs: check.durationMs, outcome };
}

export class ReconcileLoop {
  private dirty = true;
  private reasons = new Set<string>(['start']);
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private watcher: FSWatcher | null = null;
  private readonly abort = new AbortController();
  private readonly desired: DesiredStateCache;
  private readonly log: (line: string) => void;
  /** Results of the passes so far, newest last (bounded). */
  readonly history: Array<{ at: string; reasons: string[]; result: PassResult | { kind: 'error'; message: string } }> = [];

  constructor(private readonly options: LoopOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.desired = new DesiredStateCache(options.file);
  }

  start(): void {
    if (this.running) return;
    this.timers.push(setInterval(() => this.trigger('drift interval'), this.options.driftIntervalMs));
    if (this.options.gitPollMs !== null) this.timers.push(setInterval(() => void this.pollGit(), this.options.gitPollMs));
    if (this.options.watchFile !== false) {
      this.watcher = watch(this.options.file, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 } });
      this.watcher.on('all', () => this.trigger('file changed'));
      this.watcher.on('error', (error) => this.log(`watching ${this.options.file}: ${String(error)}`));
    }
    this.running = this.work();
  }

  /** Marks the loop dirty; the worker runs one pass for all triggers gathered meanwhile. */
  trigger(reason: string): void {
    this.reasons.add(reason);
    this.dirty = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const timer of this.timers) clearInterval(timer);
    await this.watcher?.close();
    this.wake?.();
    await this.running;
  }

  /** A drift check with this loop's settings and warm client (what the benchmark measures). */
  async driftCheck(): Promise<{ durationMs: number; changes: number; timings: DriftCheck['timings'] }> {
    const started = performance.now();
    const loaded = await this.desired.load();
    if (!loaded.ok) throw new Error(`${this.options.file}: invalid desired state`);
    const check = await driftCheck(loaded.state, this.options);
    return { durationMs: performance.now() - started, changes: check.plan.changes.filter((c) => c.action !== 'no-op').length, timings: check.timings };
  }

  private async pollGit(): Promise<void> {
    const outcome = await pollGitUpstream(this.options.file);
    switch (outcome.kind) {
      case 'fast-forwarded':
        this.log(`git: fast-forwarded ${outcome.from.slice(0, 12)} → ${outcome.to.slice(0, 12)}`);
        this.trigger('new commit');
        break;
      case 'up-to-date':
        break;
      case 'not-a-repo':
      case 'no-upstream':
        this.log(outcome.message);
        for (const timer of this.timers.splice(1)) clearInterval(timer); // stop polling; keep the drift interval
        break;
      default:
        this.log(`git: ${outcome.message}`);
    }
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      if (!this.dirty) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      this.dirty = false;
      const reasons = [...this.reasons];
      this.reasons.clear();
      const at = new Date().toISOString();
      try {
        const result = await pRetry(
          async () => {
            const result = await reconcileOnce({ ...this.options, log: this.log }, this.desired);
            if (result.kind === 'applied' && result.outcome.exitCode !== 0) {
              throw new PassFailed(`apply ${result.outcome.status === 'applied' ? result.outcome.result.outcome : result.outcome.status}`);
            }
            return result;
          },
          {
            retries: this.options.retries ?? 5,
            minTimeout: this.options.minRetryMs ?? 2_000,
            maxTimeout: this.options.maxRetryMs ?? 60_000,
            factor: 2,
            signal: this.abort.signal,
            onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
              if (this.stopped) throw new AbortError('loop stopped');
              this.log(`pass failed (attempt ${attemptNumber}, ${retriesLeft} retries left): ${error.message}`);
            },
          },
        );
        this.record(at, reasons, result);
        if (result.kind === 'in-sync') this.log(`in sync (${reasons.join(', ')}; drift check ${result.driftCheckMs.toFixed(0)} ms)`);
      } catch (error) {
        if (this.stopped) break;
        const message = error instanceof Error ? error.message : String(error);
        this.record(at, reasons, { kind: 'error', message });
        this.log(`pass gave up after retries: ${message}; waiting for the next trigger`);
      }
    }
  }

  private record(at: string, reasons: string[], result: PassResult | { kind: 'error'; message: string }): void {
    this.history.push({ at, reasons, result });
    if (this.history.length > 100) this.history.shift();
  }
}
