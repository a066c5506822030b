/**
 * `base token rotate <slug>`: a challenge gets a new shared token without a moment where its secret is missing.
 *
 *   1. mint the new value into `tokens/<slug>.token.next` (0600) — the current token file stays authoritative;
 *   2. create the Swarm secret `challenge-<slug>-token-<hash12 of the new value>` (value in the request body only);
 *   3. update the service: only the token secret reference changes (same target, owner, mode), everything else is
 *      the live spec as is (ForceUpdate included); wait for the rollout like base apply does;
 *   4. the new value becomes the token file (rename), the old one is kept as `<slug>.token.previous` (0600);
 *   5. once no task of the service still runs with the old secret, remove it, then the `.previous` copy.
 *
 * If Swarm rolls the update back, the new secret and `.next` are removed and the old token stays in force. A run
 * interrupted after step 3 is finished by the next `base token rotate` (it finds `.next` mounted) — and until then
 * `base apply` would put the service back on the old token, which is still consistent. Holds the apply lock
 * throughout, so no apply or reconcile pass interleaves.
 *
 * The weights collector reads the token file on every epoch: between step 3 and step 4 (one rename) a get_weights
 * call may still carry the old token and get 401; the next epoch uses the new one.
 */
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeDockerError, isNotFound } from '../apply/docker-errors.ts';
import { waitForRollout, type RolloutOptions } from '../apply/rollout.ts';
import { acquireApplyLock } from '../lock/index.ts';
import { CHALLENGE_TOKEN_TARGET, challengeServiceName, ROLES } from '../plan/compile.ts';
import { CHALLENGE_SLUG_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, OBJECT_ROLE_LABEL } from '../plan/model.ts';
import { challengeTokenSecretName, type StateDir } from '../state/index.ts';

const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
const TERMINAL_TASK_STATES = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

export class TokenRotateRefused extends Error {}

export interface RotateOptions {
  docker: Docker;
  state: StateDir;
  slug: string;
  lockTimeoutMs: number;
  rollout: RolloutOptions;
  /** How long to wait for the old secret's last task to stop before leaving the secret for later. */
  releaseTimeoutMs: number;
  progress?: (line: string) => void;
}

export interface RotateResult {
  slug: string;
  service: string;
  oldSecret: string;
  newSecret: string;
  /** False when a task still held the old secret at the deadline: the secret and `.previous` are kept. */
  oldSecretRemoved: boolean;
  resumed: boolean;
  rollout: string;
}

interface SecretRef {
  SecretID?: string;
  SecretName?: string;
  File?: { Name?: string; UID?: string; GID?: string; Mode?: number };
}

interface ServiceInfo {
  ID: string;
  Version?: { Index?: number };
  Spec: Docker.ServiceSpec & { Labels?: Record<string, string> };
}

const nextPath = (state: StateDir, slug: string) => `${state.tokenPath(slug)}.next`;
const previousPath = (state: StateDir, slug: string) => `${state.tokenPath(slug)}.previous`;

export async function rotateChallengeToken(options: RotateOptions): Promise<RotateResult> {
  const { slug, state } = options;
  if (!SLUG_PATTERN.test(slug)) throw new TokenRotateRefused(`invalid challenge slug ${JSON.stringify(slug)} (expected ^[a-z0-9][a-z0-9-]*[a-z0-9]$)`);
  const lock = await acquireApplyLock(state.dir, { timeoutMs: options.lockTimeoutMs, command: `base token rotate ${slug}` });
  try {
    return await rotateLocked(options);
  } finally {
    await lock.release();
  }
}

async function rotateLocked(options: RotateOptions): Promise<RotateResult> {
  const { docker, state, slug } = options;
  const say = options.progress ?? (() => undefined);
  const serviceName = challengeServiceName(slug);
  let service = await inspectService(docker, serviceName);
  if (!service) throw new TokenRotateRefused(`service ${serviceName} not found; a token is rotated on a deployed challenge (base apply deploys it)`);
  const labels = service.Spec.Labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || labels[CHALLENGE_SLUG_LABEL] !== slug) {
    throw new TokenRotateRefused(`service ${serviceName} is not managed by base for challenge ${slug} (labels ${MANAGED_BY_LABEL}, ${CHALLENGE_SLUG_LABEL}); refusing to touch it`);
  }
  const mounted = tokenRef(service)?.SecretName;
  if (!mounted) throw new TokenRotateRefused(`service ${serviceName} mounts no secret at ${CHALLENGE_TOKEN_TARGET}; run base apply first`);

  const current = await readToken(state.tokenPath(slug));
  if (current === null) throw new TokenRotateRefused(`no token for ${slug} in the state folder ${state.dir}; run base apply first (it mints it)`);
  const oldSecret = challengeTokenSecretName(slug, current);

  // A rotation that stopped after replacing the token file left the old value (and maybe its secret) behind.
  const previous = await readToken(previousPath(state, slug));
  if (previous !== null && challengeTokenSecretName(slug, previous) !== mounted) {
    if (await removeSecretIfUnused(docker, challengeTokenSecretName(slug, previous))) await fs.unlink(previousPath(state, slug));
  }
  // An earlier rotation stopped half-way?
  const pending = await readToken(nextPath(state, slug));
  if (pending !== null) {
    const pendingSecret = challengeTokenSecretName(slug, pending);
    if (mounted === pendingSecret) {
      say(`resuming an interrupted rotation: ${serviceName} already runs with ${pendingSecret}`);
      return finish(options, serviceName, oldSecret, pendingSecret, current, true, 'rolled out by the interrupted run');
    }
    say(`discarding an unfinished rotation (${pendingSecret} never reached the service)`);
    await removeSecretIfUnused(docker, pendingSecret);
    await fs.unlink(nextPath(state, slug));
  }
  if (mounted !== oldSecret) {
    throw new TokenRotateRefused(
      `service ${serviceName} mounts ${mounted}, but the state folder's token is ${oldSecret}; run base apply to converge first, then rotate`,
    );
  }

  const fresh = randomBytes(32).toString('hex');
  await writePrivateExclusive(nextPath(state, slug), fresh);
  const newSecret = challengeTokenSecretName(slug, fresh);
  say(`created ${newSecret}`);
  const body = {
    Name: newSecret,
    Labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [CHALLENGE_SLUG_LABEL]: slug, [OBJECT_ROLE_LABEL]: ROLES.challengeToken },
    Data: Buffer.from(fresh, 'utf8').toString('base64'),
  };
  // _query keeps the body (and the value) out of the URL.
  const created = (await docker.createSecret({ _query: {}, _body: body } as unknown as Record<string, unknown>)) as { id?: string; ID?: string };
  const newSecretId = created.ID ?? created.id ?? (await secretId(docker, newSecret));

  service = (await inspectService(docker, serviceName))!;
  const spec = withTokenSecret(service.Spec, newSecret, newSecretId);
  const since = new Date();
  say(`updating ${serviceName} to ${newSecret} and waiting for the rollout`);
  await docker.getService(service.ID).update({ _query: { version: service.Version?.Index }, _body: spec } as never);
  const outcome = await waitForRollout(docker, service.ID, since, true, options.rollout);
  if (!outcome.ok) {
    const after = await inspectService(docker, serviceName);
    if (after && tokenRef(after)?.SecretName === oldSecret) {
      await removeSecretIfUnused(docker, newSecret);
      await fs.unlink(nextPath(state, slug)).catch(() => undefined);
      throw new TokenRotateRefused(`rotation failed, the old token stays in force: ${serviceName}: ${outcome.detail}`);
    }
    throw new TokenRotateRefused(
      `rollout of ${serviceName} to ${newSecret} did not converge (${outcome.detail}); the new token waits in ${nextPath(state, slug)}: run base token rotate ${slug} again to finish`,
    );
  }
  return finish(options, serviceName, oldSecret, newSecret, current, false, outcome.detail);
}

async function finish(
  options: RotateOptions,
  serviceName: string,
  oldSecret: string,
  newSecret: string,
  oldValue: string,
  resumed: boolean,
  rollout: string,
): Promise<RotateResult> {
  const { docker, state, slug } = options;
  const say = options.progress ?? (() => undefined);
  // Keep the old value until its secret is gone (a manual `docker service rollback` before that still has it).
  await writePrivateReplacing(previousPath(state, slug), oldValue);
  await fs.rename(nextPath(state, slug), state.tokenPath(slug));
  say(`token file replaced; the old value is kept in ${previousPath(state, slug)} until ${oldSecret} is removed`);

  const released = await waitUntilNoTaskUses(docker, serviceName, oldSecret, options.releaseTimeoutMs);
  let removed = false;
  if (released) {
    removed = await removeSecretIfUnused(docker, oldSecret);
    if (removed) {
      await fs.unlink(previousPath(state, slug)).catch(() => undefined);
      say(`removed ${oldSecret}`);
    }
  }
  if (!removed) say(`${oldSecret} is still in use; kept (base apply removes it once unused), as is the .previous copy`);
  return { slug, service: serviceName, oldSecret, newSecret, oldSecretRemoved: removed, resumed, rollout };
}

function tokenRef(service: ServiceInfo): SecretRef | undefined {
  const task = service.Spec.TaskTemplate as Docker.ContainerTaskSpec | undefined;
  return (task?.ContainerSpec?.Secrets as SecretRef[] | undefined)?.find((ref) => ref.File?.Name === CHALLENGE_TOKEN_TARGET);
}

/** The live spec with only the token reference pointing at the new secret. */
export function withTokenSecret(spec: Docker.ServiceSpec, secretName: string, secretId: string): Docker.ServiceSpec {
  const task = spec.TaskTemplate as Docker.ContainerTaskSpec;
  const secrets = ((task.ContainerSpec?.Secrets ?? []) as SecretRef[]).map((ref) =>
    ref.File?.Name === CHALLENGE_TOKEN_TARGET ? { ...ref, SecretName: secretName, SecretID: secretId } : ref,
  );
  return { ...spec, TaskTemplate: { ...task, ContainerSpec: { ...task.ContainerSpec, Secrets: secrets } } as Docker.ContainerTaskSpec };
}

async function inspectService(docker: Docker, name: string): Promise<ServiceInfo | null> {
  try {
    return (await docker.getService(name).inspect()) as ServiceInfo;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

async function secretId(docker: Docker, name: string): Promise<string> {
  const found = (await docker.listSecrets({ filters: { name: [name] } })) as Array<{ ID: string; Spec?: { Name?: string } }>;
  const exact = found.find((s) => s.Spec?.Name === name);
  if (!exact) throw new Error(`secret ${name} was created but is not listed`);
  return exact.ID;
}

interface TaskInfo {
  Status?: { State?: string };
  Spec?: { ContainerSpec?: { Secrets?: SecretRef[] } };
}

/** Waits until every task of the service that mounts `secret` has terminated. */
async function waitUntilNoTaskUses(docker: Docker, serviceName: string, secret: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tasks = (await docker.listTasks({ filters: { service: [serviceName] } })) as TaskInfo[];
    const holding = tasks.filter(
      (t) => !TERMINAL_TASK_STATES.has(t.Status?.State ?? '') && (t.Spec?.ContainerSpec?.Secrets ?? []).some((ref) => ref.SecretName === secret),
    );
    if (holding.length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(250);
  }
}

/** Removes a base-managed secret; false when Docker still sees it in use. Never touches an unmanaged secret. */
async function removeSecretIfUnused(docker: Docker, name: string): Promise<boolean> {
  const found = (await docker.listSecrets({ filters: { name: [name] } })) as Array<{ ID: string; Spec?: { Name?: string; Labels?: Record<string, string> } }>;
  const exact = found.find((s) => s.Spec?.Name === name);
  if (!exact) return true;
  if (exact.Spec?.Labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return false;
  try {
    await docker.getSecret(exact.ID).remove();
    return true;
  } catch (error) {
    if (isNotFound(error)) return true;
    if (/in use/i.test(describeDockerError(error))) return false;
    throw error;
  }
}

async function readToken(file: string): Promise<string | null> {
  try {
    const value = (await fs.readFile(file, 'utf8')).trim();
    return value === '' ? null : value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function writePrivateExclusive(file: string, value: string): Promise<void> {
  const handle = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    await handle.writeFile(value, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writePrivateReplacing(file: string, value: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writePrivateExclusive(temp, value);
  await fs.rename(temp, file);
}
