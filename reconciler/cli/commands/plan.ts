import type { Command } from 'commander';
import type { LoadResult, SubnetDesiredState } from '../../desired-state/index.ts';
import type { EmissionImpactSection } from '../../render/emission-impact.ts';
import type { EpochInputs } from '../../weights/epoch-inputs.ts';
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
  emissionImpact?: string;
  emissionEpochs?: string;
}

export const DEFAULT_EMISSION_EPOCHS = 8;

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

/**
 * The CLI's half of `--emission-impact URL`: fetch the newest `epochs` sealed vectors (walking previous_epoch) and
 * their published inputs from the master, then replay them with the file's shares (audit/emission-impact.ts, pure).
 * Any failure to ask the master becomes an `unavailable` section: the service plan is printed regardless.
 */
async function emissionImpactSection(master: string, desired: SubnetDesiredState, epochs: number): Promise<EmissionImpactSection> {
  const { emissionImpact } = await import('../../audit/emission-impact.ts');
  const { getMasterJson } = await import('../../audit/run-verify.ts');
  const { parseEpochInputs } = await import('../../weights/epoch-inputs.ts');
  const { activeChallenges } = await import('../../weights/collect/collect.ts');
  const base = master.replace(/\/+$/, '');
  const get = (path: string) => getMasterJson(fetch, `${base}${path}`, 15_000);
  try {
    const inputs: EpochInputs[] = [];
    const missing: Array<{ epoch: number; reason: string }> = [];
    let vector = (await get('/v1/weights/latest')) as { epoch?: unknown; previous_epoch?: unknown } | null;
    if (vector === null) return { status: 'unavailable', master: base, reason: 'it has sealed no vector yet' };
    for (let seen = 0; seen < epochs && vector !== null && typeof vector.epoch === 'number'; seen += 1) {
      const epoch = vector.epoch;
      const body = await get(`/v1/weights/${epoch}/inputs`);
      if (body === null) missing.push({ epoch, reason: 'the master publishes no inputs for it' });
      else {
        try {
          inputs.push(parseEpochInputs(body, `${base}/v1/weights/${epoch}/inputs`));
        } catch (error) {
          missing.push({ epoch, reason: (error as Error).message });
        }
      }
      const previous = vector.previous_epoch;
      if (typeof previous !== 'number' || previous >= epoch || seen + 1 >= epochs) break;
      vector = (await get(`/v1/weights/${previous}`)) as typeof vector;
    }
    const shares = new Map(activeChallenges(desired.challenges).map((c) => [c.slug, c.emissionPercent]));
    const impact = emissionImpact(inputs, shares);
    impact.skipped = [...impact.skipped, ...missing].sort((a, b) => a.epoch - b.epoch);
    return { status: 'ok', master: base, impact };
  } catch (error) {
    return { status: 'unavailable', master: base, reason: (error as Error).message };
  }
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
    .option('--emission-impact <master-url>', "also replay the master's last sealed epochs with FILE's emission shares: weight per uid and burn, before → after")
    .option('--emission-epochs <n>', `sealed epochs to replay for --emission-impact (default ${DEFAULT_EMISSION_EPOCHS})`)
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

--emission-impact <url> fetches the master's newest sealed vectors and their published inputs
(/v1/weights/{epoch}/inputs) and replays them with FILE's shares of its active challenges: a new challenge has no
answers yet (its share burns), a retired one's answers are left out. Printed after the plan (JSON: emission_impact);
a master that cannot be asked is one line, and the plan is printed all the same (the exit status does not change).

Examples:
  base plan
  base plan --detailed-exitcode; echo $?
  base plan --against origin/main --markdown > plan-comment.md
  base plan --against origin/main --markdown --emission-impact https://master.example:8080
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
        const { colorEnabled, emissionImpactJson, hasChanges, renderEmissionImpactMarkdown, renderEmissionImpactText, renderJson, renderMarkdown, renderText } = await import('../../render/index.ts');
        if (flags.json && flags.markdown) throw new UserError('--json and --markdown: choose one output format');
        const maxDeletes = flags.maxDeletes === undefined ? undefined : Number(flags.maxDeletes);
        if (maxDeletes !== undefined && !(Number.isInteger(maxDeletes) && maxDeletes >= 0)) {
          throw new UserError(`--max-deletes: expected a whole number >= 0, found ${JSON.stringify(flags.maxDeletes)}`);
        }
        const emissionEpochs = flags.emissionEpochs === undefined ? DEFAULT_EMISSION_EPOCHS : Number(flags.emissionEpochs);
        if (!(Number.isInteger(emissionEpochs) && emissionEpochs >= 1 && emissionEpochs <= 1000)) {
          throw new UserError(`--emission-epochs: expected a whole number from 1 to 1000, found ${JSON.stringify(flags.emissionEpochs)}`);
        }
        if (flags.emissionImpact !== undefined && !/^https?:\/\/[^\s]+$/.test(flags.emissionImpact)) {
          throw new UserError(`--emission-impact: expected the master's URL (http:// or https://), found ${JSON.stringify(flags.emissionImpact)}`);
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
        const impact = flags.emissionImpact === undefined ? null : await emissionImpactSection(flags.emissionImpact, desired, emissionEpochs);
        if (flags.json) {
          process.stdout.write(impact ? `${JSON.stringify({ ...JSON.parse(renderJson(result)), emission_impact: emissionImpactJson(impact) }, null, 2)}\n` : renderJson(result));
        } else if (flags.markdown) {
          process.stdout.write(renderMarkdown(result, { title: flags.against ? `${file} (against ${flags.against})` : file }));
          if (impact) process.stdout.write(`\n${renderEmissionImpactMarkdown(impact)}`);
        } else {
          process.stdout.write(renderText(result, { color: colorEnabled(process.stdout), showUnchanged: Boolean(flags.showUnchanged) }));
          if (impact) process.stdout.write(`\n${renderEmissionImpactText(impact)}`);
        }
        return flags.detailedExitcode && hasChanges(result) ? 2 : 0;
      }),
    );
}
