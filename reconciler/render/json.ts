/**
 * `--json`: the Plan itself (it carries `format_version`), with values that look secret masked: sensitive field
 * diffs and secret-looking env entries in the desired specs. Secret names are shown; secret values are never in a plan.
 */
import type Docker from 'dockerode';
import type { Change, Plan } from '../plan/model.ts';
import { MASK, maskEnvEntries } from '../plan/sensitive.ts';

export function maskPlan(plan: Plan): Plan {
  const changes = plan.changes.map((change): Change => {
    const diffs = change.diffs.map((d) => {
      if (!d.sensitive) return d;
      const masked = { ...d };
      if ('before' in d) masked.before = MASK;
      if ('after' in d) masked.after = MASK;
      return masked;
    });
    let desired = change.desired;
    if (desired?.kind === 'service') {
      const spec = structuredClone(desired.spec);
      const container = (spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec;
      if (container?.Env) container.Env = maskEnvEntries(container.Env);
      desired = { ...desired, spec };
    }
    return { ...change, diffs, desired };
  });
  return { ...plan, changes };
}

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(maskPlan(plan), null, 2)}\n`;
}
