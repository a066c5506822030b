export { applyPlan, progressLine, APPLIED_AT_LABEL, PLAN_HASH_LABEL, REVISION_LABEL, type ApplyOptions } from './apply-plan.ts';
export { overallOutcome, type ApplyResult, type ObjectOutcome, type ObjectResult } from './result.ts';
export { waitForRollout, type RolloutOptions, type RolloutOutcome } from './rollout.ts';
export { resolvePendingSecretNames } from './resolve-pending.ts';
