/** Field-level differences between two comparable values (plain JSON), as dotted paths. */

import { canonicalJson } from './canonical.ts';

export interface RawDiff {
  path: string;
  /** Absent on an addition. */
  before?: unknown;
  /** Absent on a removal. */
  after?: unknown;
  /** The raw key segments, for classifying (e.g. the env name). */
  segments: string[];
}

const SIMPLE_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** `TaskTemplate.ContainerSpec.Env.FOO`, `Labels["base.managed-by"]`, `ContainerSpec.Mounts["/data"].Source`. */
export function formatFieldPath(segments: readonly string[]): string {
  let out = '';
  for (const segment of segments) {
    if (SIMPLE_SEGMENT.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Recurses into objects present on both sides; arrays and scalars are compared whole. Sorted by path.
 * An object added or removed as a whole (a mount, a network attachment) is one difference, unless `expand` (used
 * for creations) asks for its leaves, which then skip nulls.
 */
export function diffValues(before: unknown, after: unknown, segments: string[] = [], expand = false): RawDiff[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], [...segments, key], expand));
  }
  if (before === undefined && (after === undefined || (expand && after === null))) return [];
  if (before !== undefined && after !== undefined && canonicalJson(before) === canonicalJson(after)) return [];
  if (expand && before === undefined && isPlainObject(after)) return diffValues({}, after, segments, expand);
  const diff: RawDiff = { path: formatFieldPath(segments), segments };
  if (before !== undefined) diff.before = before;
  if (after !== undefined) diff.after = after;
  return [diff];
}
