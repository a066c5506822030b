/**
 * A plan made before a challenge's token (or the master signing key) existed carries a pending secret name
 * ("challenge-<slug>-token-(minted at apply)"). Before executing, mint the missing values in the state folder and
 * put the real content-hash names in place: in the secret intents and in every service's secret references.
 * Mechanical substitution only; nothing is decided here. The plan hash is kept: it names what was reviewed.
 */
import { signingKeySecretPrefix } from '../plan/compile.ts';
import { isPendingSecretName, PENDING_SECRET_NAME_SUFFIX, type Change, type Plan } from '../plan/model.ts';
import type { StateDir } from '../state/index.ts';

export async function resolvePendingSecretNames(plan: Plan, state: StateDir): Promise<Plan> {
  const renames = new Map<string, string>();
  for (const change of plan.changes) {
    const desired = change.desired;
    if (desired?.kind !== 'secret' || !isPendingSecretName(desired.name)) continue;
    const real =
      desired.source.type === 'challenge-token'
        ? (await state.ensureTokens([desired.source.slug])).get(desired.source.slug)!
        : await state.ensureMasterSigningKey(masterNameOfPendingKey(desired.name));
    renames.set(desired.name, real);
  }
  if (renames.size === 0) return plan;
  // Every occurrence (secret intents, service secret references, the diffs shown) is the exact pending name, a
  // string no real name contains: replace it throughout each change's JSON.
  const changes = plan.changes.map((change): Change => {
    let text = JSON.stringify(change);
    for (const [pending, real] of renames) text = text.split(JSON.stringify(pending).slice(1, -1)).join(JSON.stringify(real).slice(1, -1));
    return JSON.parse(text) as Change;
  });
  return { ...plan, changes };
}

/** `<master>-signing-key-(minted at apply)` → `<master>`: the key is named after its own master (master.service_name). */
function masterNameOfPendingKey(pendingName: string): string {
  const suffix = `${signingKeySecretPrefix('')}${PENDING_SECRET_NAME_SUFFIX}`;
  return pendingName.endsWith(suffix) ? pendingName.slice(0, -suffix.length) : pendingName;
}
