/** Reading a plan saved with `base plan --json`/`--out` for `base apply --plan FILE`. */
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { PLAN_FORMAT_VERSION, type Plan } from '../plan/model.ts';
import { MASK } from '../plan/sensitive.ts';

export async function readSavedPlan(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read the saved plan (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message}); expected a plan written by base plan --json`);
  }
  const plan = parsed as Partial<Plan> & { plan?: Partial<Plan> };
  // Accept either the bare plan model or a rendered JSON document that wraps it as { plan: ... }.
  const candidate = plan.changes === undefined && plan.plan ? plan.plan : plan;
  if (candidate.format_version !== PLAN_FORMAT_VERSION) {
    throw new Error(`${file}: format_version ${JSON.stringify(candidate.format_version)} found, expected ${PLAN_FORMAT_VERSION}`);
  }
  for (const field of ['changes', 'live_fingerprint', 'hash'] as const) {
    if (candidate[field] === undefined) throw new Error(`${file}: field ${field} is missing; expected a plan written by base plan --json`);
  }
  if (!Array.isArray(candidate.changes)) throw new Error(`${file}: field changes must be an array`);
  const masked = (candidate as Plan).changes.filter((change) => {
    const env = change.desired?.kind === 'service' ? (change.desired.spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec?.Env : undefined;
    return (env ?? []).some((entry) => entry.endsWith(`=${MASK}`));
  });
  if (masked.length > 0) {
    throw new Error(
      `${file}: the plan has masked values (${masked.map((c) => c.name).join(', ')}): it was printed for reading (base plan --json); ` +
        'save an applicable plan with base apply FILE --save-plan OUT',
    );
  }
  return candidate as Plan;
}
