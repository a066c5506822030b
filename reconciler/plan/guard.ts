/** The mass-delete guard: a plan that would delete many (or all) challenge services is refused unless allowed. */
import type { Change, Plan } from './model.ts';

export const DEFAULT_MAX_DELETES = 3;

export class MassDeleteRefusedError extends Error {
  constructor(
    readonly deletes: number,
    readonly managedChallengeServices: number,
    readonly limit: number,
    readonly plan: Plan,
  ) {
    const why =
      deletes > limit
        ? `more than the limit of ${limit}`
        : `all ${managedChallengeServices} managed challenge service${managedChallengeServices === 1 ? '' : 's'}`;
    super(
      `refusing a plan that deletes ${deletes} service${deletes === 1 ? '' : 's'} (${why}): ` +
        `${plan.changes.filter(isServiceDelete).map((c) => c.name).join(', ')}. ` +
        'Check the desired-state file; pass --allow-mass-delete (or raise --max-deletes) if this is intended.',
    );
    this.name = 'MassDeleteRefusedError';
  }
}

function isServiceDelete(change: Change): boolean {
  return change.kind === 'service' && change.action === 'delete';
}

export interface GuardOptions {
  maxDeletes?: number;
  allowMassDelete?: boolean;
}

/**
 * Throws when the plan deletes more than `maxDeletes` services, or every managed challenge service that is live.
 * Challenge services are the managed services labelled with a challenge slug.
 */
export function guardMassDelete(
  plan: Plan,
  counts: { liveChallengeServices: number; challengeDeletes: number },
  options: GuardOptions = {},
): void {
  if (options.allowMassDelete) return;
  const limit = options.maxDeletes ?? DEFAULT_MAX_DELETES;
  const deletes = plan.changes.filter(isServiceDelete);
  const { liveChallengeServices, challengeDeletes } = counts;
  const all = liveChallengeServices > 0 && challengeDeletes >= liveChallengeServices;
  if (deletes.length > limit || all) throw new MassDeleteRefusedError(deletes.length, liveChallengeServices, limit, plan);
}
