/** The record every apply returns (plain JSON; the store of a later issue persists it). */
import type { Action, ObjectKind } from '../plan/model.ts';

export type ObjectOutcome = 'succeeded' | 'failed' | 'skipped';

export interface ObjectResult {
  kind: ObjectKind;
  name: string;
  action: Exclude<Action, 'no-op'>;
  outcome: ObjectOutcome;
  duration_ms: number;
  /** Secret-free. */
  error?: string;
  /** What was observed at the end, e.g. "1/1 tasks running". */
  detail?: string;
}

export interface ApplyResult {
  revision: string | null;
  plan_hash: string;
  started_at: string;
  finished_at: string;
  outcome: 'succeeded' | 'failed' | 'partial';
  objects: ObjectResult[];
}

/** succeeded: every object succeeded (or nothing to do); failed: nothing succeeded; partial: some did. */
export function overallOutcome(objects: readonly ObjectResult[]): ApplyResult['outcome'] {
  const failed = objects.some((o) => o.outcome !== 'succeeded');
  if (!failed) return 'succeeded';
  return objects.some((o) => o.outcome === 'succeeded') ? 'partial' : 'failed';
}
