/**
 * Showing a plan inside `base apply`: the project's renderer when present (reconciler/render/), else this short
 * listing, which only reads the plan model and masks nothing because it prints no values.
 */
import type { Plan } from '../plan/model.ts';

const SYMBOL = { create: '+', update: '~', delete: '-', 'no-op': ' ' } as const;

export function briefPlanText(plan: Plan): string {
  const lines: string[] = [];
  for (const change of plan.changes) {
    if (change.action === 'no-op') continue;
    const impact = change.kind === 'service' && change.action === 'update' ? ` (${change.impact === 'rolls-tasks' ? 'rolls tasks' : 'no restart'})` : '';
    lines.push(`  ${SYMBOL[change.action]} ${change.kind} ${change.name}${impact}${change.reason ? ` — ${change.reason}` : ''}`);
    for (const diff of change.diffs.slice(0, 20)) lines.push(`      ${diff.path}`);
  }
  for (const warning of plan.warnings) lines.push(`  warning: ${warning.message}`);
  const { add, change, destroy, restarts } = plan.summary;
  lines.push(
    add + change + destroy === 0
      ? 'No changes. The Swarm matches the desired state.'
      : `Plan: ${add} to add, ${change} to change, ${destroy} to destroy; ${restarts} service${restarts === 1 ? '' : 's'} will restart`,
  );
  return `${lines.join('\n')}\n`;
}
