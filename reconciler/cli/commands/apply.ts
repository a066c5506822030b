import type { Command } from 'commander';
import type { dockerClient } from '../../live/index.ts';
import type { openStateDir } from '../../state/index.ts';
import { DEFAULT_DESIRED_STATE_FILE } from '../defaults.ts';
import { action, UserError } from '../action.ts';
import { writeFile } from 'node:fs/promises';

interface ApplyFlags {
  autoApprove?: boolean;
  plan?: string;
  revision?: string;
  stateDir?: string;
  dockerHost?: string;
  lockTimeout: string;
  breakLock?: boolean;
  rolloutTimeout: string;
  allowMassDelete?: boolean;
  maxDeletes?: string;
  onlyPrefix?: string[];
  resultOut?: string;
  savePlan?: string;
  json?: boolean;
}

export function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UserError(`${flag}: expected a number of seconds >= 0, found ${JSON.stringify(value)}`);
  return n * 1000;
}

/** `base apply [FILE]`: converge the Swarm to the desired state, showing the plan first. */
export function register(program: Command): void {
  program
    .command('apply')
    .description('Converge the Swarm to the desired state: plan, show, confirm, execute, wait for rollouts')
    .argument('[file]', 'desired-state YAML file', DEFAULT_DESIRED_STATE_FILE)
    .option('--auto-approve', 'apply without asking (required when not on a terminal)')
    .option('--plan <file>', 'apply a plan saved as JSON by base plan; refused if the live state changed since')
    .option('--revision <rev>', 'desired-state revision recorded on services (default: git rev-parse HEAD of the file)')
    .option('--state-dir <dir>', 'reconciler state folder with the tokens (default: $BASE_STATE_DIR or /var/lib/base/reconciler)')
    .option('--docker-host <url>', 'Docker Engine of a Swarm manager (default: DOCKER_HOST or /var/run/docker.sock)')
    .option('--lock-timeout <seconds>', 'wait this long for another apply to finish before refusing', '60')
    .option('--break-lock', 'break a stale apply lock (holder process dead, or no heartbeat within the TTL)')
    .option('--rollout-timeout <seconds>', 'how long each service rollout may take before it counts as failed', '180')
    .option('--allow-mass-delete', 'allow a plan that deletes many (or all) challenge services')
    .option('--max-deletes <n>', 'refuse plans deleting more services than this (default 3)')
    .option('--only-prefix <prefix...>', 'limit the apply to objects whose names start with a prefix (tests, staged rollouts)')
    .option('--save-plan <file>', 'only plan and save the plan (unmasked, mode 0600) for a later base apply --plan; changes nothing')
    .option('--result-out <file>', 'also write the apply result record as JSON to this file')
    .option('--json', 'print the apply result record as JSON at the end')
    .addHelpText(
      'after',
      `
Steps: validate the file (invalid: problems listed, exit 1, nothing applied) → take the apply lock → mint missing
challenge tokens in the state folder → observe the Swarm → plan → show the plan → ask "Apply? (yes/no)" on a
terminal (elsewhere --auto-approve is required) → execute in order: networks, secrets, volumes, services (each
waits for its rollout; a rollback, a paused update or a timeout is a failure), node labels; deletions last,
volumes never.

Exit status: 0 when everything succeeded or nothing had to change; 1 on an invalid file, a refusal or any failure.

Examples:
  base apply                                   # desired-state/subnet.yaml, asks before acting
  base apply desired-state/subnet.yaml --auto-approve
  base apply --save-plan plan.json && base apply --plan plan.json --auto-approve`,
    )
    .action(
      action(async (file: string, flags: ApplyFlags) => {
        // Loaded here, not at start-up: other commands (and --help) should not pay for Docker, the planner and the renderer.
        const { openStateDir } = await import('../../state/index.ts');
        const { dockerClient } = await import('../../live/index.ts');
        const { canAsk, askYesNo } = await import('../../apply/confirm.ts');
        const { runApply } = await import('../../apply/run-apply.ts');
        const { LockBusyError } = await import('../../lock/index.ts');
        const { engineUnreachableMessage, isEngineUnreachable } = await import('../../apply/docker-errors.ts');
        const { colorEnabled, renderText } = await import('../../render/index.ts');
        const state = openStateDir(flags.stateDir);
        const docker = dockerClient(flags.dockerHost);
        const maxDeletes = flags.maxDeletes === undefined ? undefined : Number(flags.maxDeletes);
        if (maxDeletes !== undefined && !(Number.isInteger(maxDeletes) && maxDeletes >= 0)) {
          throw new UserError(`--max-deletes: expected a whole number >= 0, found ${JSON.stringify(flags.maxDeletes)}`);
        }
        if (flags.savePlan) return savePlan(file, flags.savePlan, flags, state, docker, maxDeletes);
        // A signal would otherwise skip the lock's release; SIGKILL leaves a stale lock that --break-lock clears.
        const onSignal = (signal: NodeJS.Signals) => {
          process.stderr.write(`\n${signal}: stopping; run base apply again to converge\n`);
          process.exit(signal === 'SIGINT' ? 130 : 143);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const outcome = await runApply(
            {
              file,
              docker,
              state,
              planFile: flags.plan ?? null,
              revision: flags.revision ?? null,
              autoApprove: Boolean(flags.autoApprove),
              lockTimeoutMs: seconds(flags.lockTimeout, '--lock-timeout'),
              breakLock: Boolean(flags.breakLock),
              scope: flags.onlyPrefix?.length ? { namePrefixes: flags.onlyPrefix } : null,
              ...(maxDeletes !== undefined ? { maxDeletes } : {}),
              allowMassDelete: Boolean(flags.allowMassDelete),
              rollout: { timeoutMs: seconds(flags.rolloutTimeout, '--rollout-timeout') },
            },
            {
              out: (text) => process.stdout.write(text),
              err: (text) => process.stderr.write(text),
              renderPlan: (plan) => renderText(plan, { color: colorEnabled(process.stdout) }),
              confirm: canAsk() ? askYesNo : null,
            },
          );
          if (outcome.status === 'applied') {
            if (flags.resultOut) await writeFile(flags.resultOut, `${JSON.stringify(outcome.result, null, 2)}\n`);
            if (flags.json) process.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
          }
          return outcome.exitCode;
        } catch (error) {
          if (error instanceof LockBusyError) throw new UserError(error.message);
          if (isEngineUnreachable(error)) throw new UserError(engineUnreachableMessage(error, flags.dockerHost));
          if (error instanceof Error && /state folder|saved plan|format_version|not JSON/.test(error.message)) throw new UserError(error.message);
          throw error;
        } finally {
          process.removeListener('SIGINT', onSignal);
          process.removeListener('SIGTERM', onSignal);
        }
      }),
    );
}

async function savePlan(
  file: string,
  out: string,
  flags: ApplyFlags,
  state: ReturnType<typeof openStateDir>,
  docker: ReturnType<typeof dockerClient>,
  maxDeletes: number | undefined,
): Promise<number> {
  const { formatProblem } = await import('../../desired-state/index.ts');
  const { gitRevisionOf, loadValid, planPass } = await import('../../apply/pipeline.ts');
  const { MassDeleteRefusedError } = await import('../../plan/index.ts');
  const { colorEnabled, renderText } = await import('../../render/index.ts');
  const loaded = await loadValid(file);
  if (!loaded.ok) throw new UserError(`${file} is not a valid desired state:\n${loaded.problems.map(formatProblem).join('\n')}`);
  try {
    const { plan } = await planPass(loaded.state, {
      docker,
      state,
      mint: false,
      revision: flags.revision ?? (await gitRevisionOf(file)),
      scope: flags.onlyPrefix?.length ? { namePrefixes: flags.onlyPrefix } : null,
      ...(maxDeletes !== undefined ? { maxDeletes } : {}),
      allowMassDelete: Boolean(flags.allowMassDelete),
    });
    // Unmasked: env values may be sensitive, so the file is private to its owner.
    await writeFile(out, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
    process.stdout.write(renderText(plan, { color: colorEnabled(process.stdout) }));
    process.stdout.write(`Plan saved to ${out}; apply it with: base apply --plan ${out}\n`);
    return 0;
  } catch (error) {
    if (error instanceof MassDeleteRefusedError) throw new UserError(error.message);
    throw error;
  }
}
