/** The executor's apply result (snake_case JSON, see apply/result.ts) as a store record. */
import type { ApplyResult } from '../apply/result.ts';
import type { ApplyRecordInput } from './types.ts';

/** Total duration = finished_at − started_at (ms, never negative); per-object fields map one to one. */
export function applyRecordFromResult(result: ApplyResult, id?: string): ApplyRecordInput {
  const durationMs = Math.max(0, Date.parse(result.finished_at) - Date.parse(result.started_at));
  return {
    ...(id === undefined ? {} : { id }),
    revision: result.revision,
    planHash: result.plan_hash,
    startedAt: result.started_at,
    finishedAt: result.finished_at,
    outcome: result.outcome,
    durationMs: Number.isFinite(durationMs) ? durationMs : 0,
    objects: result.objects.map((o) => ({
      kind: o.kind,
      name: o.name,
      action: o.action,
      outcome: o.outcome,
      durationMs: o.duration_ms,
      error: o.error ?? null,
      detail: o.detail ?? null,
    })),
  };
}
