import type { Command } from 'commander';
import type { LoadResult } from '../../desired-state/index.ts';
import { formatProblem } from '../../desired-state/problem.ts';
import type { CompileOptions } from '../../plan/compile.ts';
import { DEFAULT_DESIRED_STATE_FILE } from '../defaults.ts';
import { access } from 'node:fs/promises';
import type { LiveState } from '../../live/types.ts';
import type { Intent, Plan } from '../../plan/model.ts';
import { action, UserError } from '../action.ts';

interface PlanFlags {
  detailedExitcode?: boolean;
  json?: boolean;
  markdown?: boolean;
  against?: string;
  allowMassDelete?: boolean;
  maxDeletes?: string;
  dockerHost?: string;
  stateDir?: string;
  showUnchanged?: boolean;
}

/** Prints a file's problems (FILE:LINE:COL: message) and fails with exit 1. */
function requireValidOrPrint(result: LoadResult) {
  if (result.ok) return result.state;
  const problems = result.problems;
  if (problems.length === 1 && problems[0]?.rule === 'file.unreadable') throw new UserError(`${result.file}: ${problems[0].message}`);
  throw new UserError(`${result.file} is not a valid desired state:\n${problems.map(formatProblem).join('\n')}`);
}

/** Token and signing-key secret names: the live Swarm's, overridden by the state folder's when it is readable. */
async function secretNames(live: LiveState, stateDirOption: string | undefined, slugs: string[], masterName: string): Promise<CompileOptions> {
  const { secretNamesFromLive } = await import('../../plan/live-secrets.ts');
  const { openStateDir, resolveStateDir } = await import('../../state/index.ts');
  const fromLive = secretNamesFromLive(live, masterName);
  const tokenSecretNames: Record<string, string> = { ...fromLive.tokenSecretNames };
  let signingKeySecretName = fromLive.signingKeySecretName;
  const dir = resolveStateDir(stateDirOption);
  try {
    await access(dir);
  } catch {
    if (stateDirOption) throw new UserError(`--state-dir ${dir}: cannot read the folder`);
    return { tokenSecretNames, signingKeySecretName };
  }
  const state = openStateDir(dir);
  try {
    for (const [slug, name] of await state.tokenSecretNames(slugs)) tokenSecretNames[slug] = name;
    signingKeySecretName = (await state.masterSigningKeySecretName(masterName)) ?? signingKeySecretName;
  } catch (error) {
    // The default folder may exist but belong to another user (plan is read-only and may run unprivileged).
    if (stateDirOption) throw new UserError(`--state-dir ${dir}: ${(error as Error).message}`);
  }
  return { tokenSecretNames, signingKeySecretName };
}

async function planAgainstRef(file: string, ref: string, intentsNow: Intent[], flags: PlanFlags, maxDeletes: number | undefined): Promise<Plan> {
  const { parseDesiredState } = await import('../../desired-state/index.ts');
  const { GitRefError, headRevision, readFileAtRef } = await import('../../git/show-at-ref.ts');
  const { compile } = await import('../../plan/compile.ts');
  const { plan } = await import('../../plan/plan.ts');
  const { liveStateFromIntents } = await import('../../plan/synthetic-live.ts');
  let before: Intent[] = [];
  try {
    const atRef = await readFileAtRef(file, ref);
    if (atRef.found) before = compile(requireValidOrPrint(parseDesiredState(atRef.text, `${ref}:${atRef.repoPath}`)));
  } catch (error) {
    if (error instanceof GitRefError) throw new UserError(error.message);
    throw error;
  }
  const hostnames = intentsNow.flatMap((i) => (i.kind === 'node' ? [i.hostname] : []));
  return plan(intentsNow, liveStateFromIntents(before, hostnames), {
    checkExternalSecrets: false,
    revision: await headRevision(file),
    allowMassDelete: Boolean(flags.allowMassDelete),
    ...(maxDeletes !== undefined ? { maxDeletes } : {}),
  });
}

/** `base plan [FILE]`: what apply would change, read-only. */
export function register(program: Command): void {
  program
    .command('plan')
    .description('Show what base apply would change in the Swarm (or, with --against, versus another Git ref); changes nothing')
    .argument('[file]', 'desired-state YAML file', DEFAULT_DESIRED_STATE_FILE)
    .option('--detailed-exitcode', 'exit 2 when changes are pending (0: none, 1: error)')
    .option('--json', 'print the plan as JSON (with format_version; secret-looking values masked)')
    .option('--markdown', 'print the plan as Markdown for a pull-request comment')
    .option('--against <git-ref>', 'plan FILE against its own version at this Git ref instead of the live Swarm (no Docker needed)')
    .option('--allow-mass-delete', 'allow a plan that deletes many (or all) challenge services')
    .option('--max-deletes <n>', 'refuse plans deleting more services than this (default 3)')
    .option('--show-unchanged', 'also list objects that need no change (text output)')
    .option('--docker-host <url>', 'Docker Engine of a Swarm manager (default: DOCKER_HOST or /var/run/docker.sock)')
    .option('--state-dir <dir>', 'reconciler state folder, for the current token secret names (default: $BASE_STATE_DIR or /var/lib/base/reconciler when readable; else the live secrets)')
    .addHelpText(
      'after',
      `
Symbols: + create, ~ update, - destroy. A service update either "rolls tasks" (anything in the task template or the
endpoint spec: image, env, mounts, secrets, resources, networks, ports) or needs "no restart" (service labels,
replicas, update/rollback config). Volumes are never destroyed. Objects without the label base.managed-by=base are
never changed; a name clash with one is a warning. Secret values never appear; env values with secret-looking
names are masked.

Exit status: 0 success (with --detailed-exitcode: no changes), 1 error (invalid file, unknown ref, Docker
unreachable, a refused mass delete), 2 changes pending (only with --detailed-exitcode).

--against <ref> reads the file at <ref> with git show (a file missing there counts as an empty desired state) and
plans as if that version were converged: what CI runs on a pull request.

Examples:
  base plan
  base plan --detailed-exitcode; echo $?
  base plan --against origin/main --markdown > plan-comment.md
  base plan --json > plan.json && base apply --plan plan.json --auto-approve`,
    )
    .action(
      action(async (file: string, flags: PlanFlags) => {
        // Loaded here, not at start-up: other commands (and --help) should not pay for Docker, the planner and the renderer.
        const { loadDesiredState } = await import('../../desired-state/index.ts');
        const { headRevision } = await import('../../git/show-at-ref.ts');
        const { dockerClient, observe } = await import('../../live/index.ts');
        const { compile, masterServiceName } = await import('../../plan/compile.ts');
        const { MassDeleteRefusedError } = await import('../../plan/guard.ts');
        const { plan } = await import('../../plan/plan.ts');
        const { colorEnabled, hasChanges, renderJson, renderMarkdown, renderText } = await import('../../render/index.ts');
        if (flags.json && flags.markdown) throw new UserError('--json and --markdown: choose one output format');
        const maxDeletes = flags.maxDeletes === undefined ? undefined : Number(flags.maxDeletes);
        if (maxDeletes !== undefined && !(Number.isInteger(maxDeletes) && maxDeletes >= 0)) {
          throw new UserError(`--max-deletes: expected a whole number >= 0, found ${JSON.stringify(flags.maxDeletes)}`);
        }
        const desired = requireValidOrPrint(await loadDesiredState(file));
        let result: Plan;
        try {
          if (flags.against !== undefined) {
            result = await planAgainstRef(file, flags.against, compile(desired), flags, maxDeletes);
          } else {
            const docker = dockerClient(flags.dockerHost);
            let live: LiveState;
            try {
              live = await observe(docker);
            } catch (error) {
              const where = flags.dockerHost ?? process.env.DOCKER_HOST ?? '/var/run/docker.sock';
              throw new UserError(`cannot read the Swarm from the Docker Engine at ${where}: ${(error as Error).message} (is this a Swarm manager? use --docker-host, or --against <ref> to plan without a Swarm)`);
            }
            const slugs = desired.challenges.map((c) => c.slug);
            const { managerHostOptions } = await import('../../plan/manager-host-options.ts');
            const { openStateDir } = await import('../../state/index.ts');
            const hostOptions = await managerHostOptions(docker, openStateDir(flags.stateDir));
            const intents = compile(desired, { ...(await secretNames(live, flags.stateDir, slugs, masterServiceName(desired))), ...hostOptions });
            result = plan(intents, live, {
              revision: await headRevision(file),
              allowMassDelete: Boolean(flags.allowMassDelete),
              ...(maxDeletes !== undefined ? { maxDeletes } : {}),
            });
          }
        } catch (error) {
          if (error instanceof MassDeleteRefusedError) throw new UserError(error.message);
          throw error;
        }
        if (flags.json) process.stdout.write(renderJson(result));
        else if (flags.markdown) process.stdout.write(renderMarkdown(result, { title: flags.against ? `${file} (against ${flags.against})` : file }));
        else process.stdout.write(renderText(result, { color: colorEnabled(process.stdout), showUnchanged: Boolean(flags.showUnchanged) }));
        return flags.detailedExitcode && hasChanges(result) ? 2 : 0;
      }),
    );
}
