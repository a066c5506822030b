import type { Plan } from '../plan/model.ts';

export const NO_CHANGES = 'No changes. Live state matches desired-state.';

export function hasChanges(plan: Plan): boolean {
  return plan.summary.add + plan.summary.change + plan.summary.destroy > 0;
}

/** `Plan: 1 to add, 2 to change, 0 to destroy; 1 service will restart.` or the no-changes line. */
export function summaryLine(plan: Plan): string {
  if (!hasChanges(plan)) return NO_CHANGES;
  const { add, change, destroy, restarts } = plan.summary;
  return `Plan: ${add} to add, ${change} to change, ${destroy} to destroy; ${restarts} ${restarts === 1 ? 'service' : 'services'} will restart.`;
}

export function impactWords(impact: string): string {
  return impact === 'rolls-tasks' ? 'rolls tasks' : impact === 'no-restart' ? 'no restart' : 'none';
}
