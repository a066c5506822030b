/**
 * A plan made before a challenge's token (or the master signing key) existed carries a pending secret name
 * ("challenge-<slug>-token-(minted at apply)"). Before executing, mint the missing values in the state folder and
 * put the real content-hash names in place: in the secret intents and in every service's secret references.
 * Mechanical substitution only; nothing is decided here.
 */
import type Docker from 'dockerode';
import { isPendingSecretName, type Change, type Plan } from '../plan/model.ts';
import type { StateDir } from '../state/index.ts';

export async function resolvePendingSecretNames(plan: Plan, state: StateDir): Promise<Plan> {
  const renames = new Map<string, string>();
  for (const change of plan.changes) {
    const desired = change.desired;
    if (desired?.kind !== 'secret' || !isPendingSecretName(desired.name)) continue;
    const real =
      desired.source.type === 'challenge-token'
        ? (await state.ensureTokens([desired.source.slug])).get(desired.source.slug)!
        : await state.ensureMasterSigningKey();
    renames.set(desired.name, real);
  }
  if (renames.size === 0) return plan;
  const rename = (name: string): string => renames.get(name) ?? name;
  const changes = plan.changes.map((change): Change => {
    const desired = change.desired;
    if (!desired) return change;
    if (desired.kind === 'secret') {
      const name = rename(desired.name);
      return { ...change, name: rename(change.name), desired: { ...desired, name } };
    }
    if (desired.kind === 'service') {
      const task = desired.spec.TaskTemplate as Docker.ContainerTaskSpec | undefined;
      const secrets = task?.ContainerSpec?.Secrets;
      if (!task || !secrets) return change;
      const spec: Docker.ServiceSpec = {
        ...desired.spec,
        TaskTemplate: {
          ...task,
          ContainerSpec: { ...task.ContainerSpec, Secrets: secrets.map((ref) => ({ ...ref, SecretName: rename(ref.SecretName ?? '') })) },
        } as Docker.ContainerTaskSpec,
      };
      return { ...change, desired: { ...desired, spec } };
    }
    return change;
  });
  return { ...plan, changes };
}
