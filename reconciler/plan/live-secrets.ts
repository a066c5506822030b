/** Which secret names the live Swarm currently uses for tokens and the signing key (input to compile). */
import type Docker from 'dockerode';
import { isManaged } from '../live/normalize.ts';
import type { LiveState, RawSecret } from '../live/types.ts';
import { MASTER_SERVICE_NAME, ROLES, signingKeySecretPrefix, type CompileOptions } from './compile.ts';
import { CHALLENGE_SLUG_LABEL, OBJECT_ROLE_LABEL } from './model.ts';

/**
 * Per slug, the managed token secret the live challenge service mounts, else the newest such secret; likewise the
 * master signing key of the master named `masterName` (another master on the same Swarm has its own). Slugs with none
 * are left out (compile then plans a pending, minted-at-apply name).
 */
export function secretNamesFromLive(live: LiveState, masterName: string = MASTER_SERVICE_NAME): Required<Pick<CompileOptions, 'tokenSecretNames' | 'signingKeySecretName'>> {
  const referenced = new Set<string>();
  for (const service of live.services) {
    const task = service.Spec.TaskTemplate as Docker.ContainerTaskSpec | undefined;
    for (const ref of task?.ContainerSpec?.Secrets ?? []) if (ref.SecretName) referenced.add(ref.SecretName);
  }
  const rank = (s: RawSecret): string => `${referenced.has(s.Spec.Name) ? 1 : 0}|${String(s.CreatedAt ?? '')}`;
  const best = new Map<string, RawSecret>();
  for (const secret of live.secrets) {
    const labels = secret.Spec.Labels ?? {};
    if (!isManaged(labels)) continue;
    const role = labels[OBJECT_ROLE_LABEL];
    const ownSigningKey = role === ROLES.masterSigningKey && secret.Spec.Name.startsWith(signingKeySecretPrefix(masterName));
    const key = role === ROLES.challengeToken ? `token:${labels[CHALLENGE_SLUG_LABEL] ?? ''}` : ownSigningKey ? 'signing' : null;
    if (key === null) continue;
    const current = best.get(key);
    if (!current || rank(secret) > rank(current)) best.set(key, secret);
  }
  const tokenSecretNames: Record<string, string> = {};
  for (const [key, secret] of best) if (key.startsWith('token:')) tokenSecretNames[key.slice('token:'.length)] = secret.Spec.Name;
  return { tokenSecretNames, signingKeySecretName: best.get('signing')?.Spec.Name ?? null };
}
