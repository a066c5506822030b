/** Input checks shared by both backends, so they refuse exactly the same values with the same messages. */
import { StoreInputError } from './errors.ts';
import { normalizeRawWeights } from '../weights/snapshot-digest.ts';
import type { ApplyObjectOutcome, ApplyOutcome, ApplyRecordInput, RawWeights } from './types.ts';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
const APPLY_OUTCOMES: readonly ApplyOutcome[] = ['succeeded', 'failed', 'partial'];
export const MAX_LIST_LIMIT = 10_000;

export function checkEpoch(epoch: unknown, field = 'epoch'): number {
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) {
    throw new StoreInputError(`${field}: expected a non-negative safe integer, found ${describe(epoch)}`);
  }
  return epoch;
}

export function checkSlug(slug: unknown): string {
  if (typeof slug !== 'string' || !SLUG.test(slug)) {
    throw new StoreInputError(
      `slug: expected lowercase letters, digits and inner hyphens (at most 48 characters), found ${describe(slug)}`,
    );
  }
  return slug;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Normalizes to `Date#toISOString()` form (UTC, milliseconds) so both backends return identical strings. An
 * explicit zone is required (a zone-less time would mean the host's local time); years 1970 to 9999.
 */
export function checkTimestamp(value: unknown, field: string): string {
  const date = typeof value === 'string' && ISO_TIMESTAMP.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new StoreInputError(
      `${field}: expected an ISO-8601 timestamp with a zone, such as 2026-01-01T00:00:00.000Z, found ${describe(value)}`,
    );
  }
  const iso = date.toISOString();
  if (!/^(19[7-9]\d|[2-9]\d{3})-/.test(iso)) {
    throw new StoreInputError(`${field}: expected a time between 1970 and 9999, found ${describe(value)}`);
  }
  return iso;
}

export function checkFiniteNonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StoreInputError(`${field}: expected a finite number ≥ 0, found ${describe(value)}`);
  }
  return value;
}

export function checkNonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new StoreInputError(`${field}: expected a non-empty string, found ${describe(value)}`);
  }
  return value;
}

/** A signed upload's hotkey or nonce: printable ASCII without spaces, 1 to 128 characters. */
export function checkNonceKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[!-~]{1,128}$/.test(value)) {
    throw new StoreInputError(`${field}: expected 1 to 128 printable characters without spaces, found ${describe(value)}`);
  }
  return value;
}

export function checkLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new StoreInputError(`limit: expected an integer from 1 to ${MAX_LIST_LIMIT}, found ${describe(limit)}`);
  }
  return limit;
}

export function checkWeights(weights: unknown): RawWeights {
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) {
    throw new StoreInputError(`weights: expected an object mapping hotkeys to numbers, found ${describe(weights)}`);
  }
  try {
    return normalizeRawWeights(weights as Record<string, unknown>);
  } catch (error) {
    throw new StoreInputError((error as Error).message);
  }
}

/** A JSON document as it will be stored; refuses what JSON cannot carry instead of silently changing it. */
export function toJsonText(value: unknown, field: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new StoreInputError(`${field}: not serializable as JSON (${(error as Error).message})`);
  }
  if (text === undefined) throw new StoreInputError(`${field}: not serializable as JSON (found ${describe(value)})`);
  return text;
}

export type CheckedApplyRecord = Omit<ApplyRecordInput, 'id' | 'objects'> & { objects: ApplyObjectOutcome[] };

export function checkApplyRecord(record: ApplyRecordInput): CheckedApplyRecord {
  if (typeof record !== 'object' || record === null) throw new StoreInputError('apply record: expected an object');
  if (record.revision !== null && typeof record.revision !== 'string') {
    throw new StoreInputError(`revision: expected a string or null, found ${describe(record.revision)}`);
  }
  if (!APPLY_OUTCOMES.includes(record.outcome)) {
    throw new StoreInputError(`outcome: expected one of ${APPLY_OUTCOMES.join(', ')}, found ${describe(record.outcome)}`);
  }
  if (!Array.isArray(record.objects)) throw new StoreInputError(`objects: expected an array, found ${describe(record.objects)}`);
  return {
    revision: record.revision,
    planHash: checkNonEmptyString(record.planHash, 'planHash'),
    startedAt: checkTimestamp(record.startedAt, 'startedAt'),
    finishedAt: checkTimestamp(record.finishedAt, 'finishedAt'),
    outcome: record.outcome,
    durationMs: checkFiniteNonNegative(record.durationMs, 'durationMs'),
    objects: record.objects.map((object, index) => {
      const at = `objects[${index}]`;
      if (object.error !== null && typeof object.error !== 'string') {
        throw new StoreInputError(`${at}.error: expected a string or null, found ${describe(object.error)}`);
      }
      const detail = object.detail ?? null;
      if (detail !== null && typeof detail !== 'string') {
        throw new StoreInputError(`${at}.detail: expected a string or null, found ${describe(detail)}`);
      }
      return {
        kind: checkNonEmptyString(object.kind, `${at}.kind`),
        name: checkNonEmptyString(object.name, `${at}.name`),
        action: checkNonEmptyString(object.action, `${at}.action`),
        outcome: checkNonEmptyString(object.outcome, `${at}.outcome`),
        durationMs: checkFiniteNonNegative(object.durationMs, `${at}.durationMs`),
        error: object.error,
        detail,
      };
    }),
  };
}

export function checkDigest(digest: unknown): string {
  if (typeof digest !== 'string' || digest.length === 0 || digest.length > 256) {
    throw new StoreInputError(`digest: expected a non-empty string of at most 256 characters, found ${describe(digest)}`);
  }
  return digest;
}

export function checkStateKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new StoreInputError(`state key: expected a string of 1 to 200 characters, found ${describe(key)}`);
  }
  return key;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
