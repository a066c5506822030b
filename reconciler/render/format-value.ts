/** How renderers show one field value: JSON-ish, with sizes and durations made readable, secrets masked. */
import type { FieldDiff } from '../plan/model.ts';
import { MASK } from '../plan/sensitive.ts';

const DURATION_FIELD = /(Monitor|Delay|StopGracePeriod|Window|Interval|Timeout|StartPeriod)$/;
const BYTES_FIELD = /MemoryBytes$/;

function humanDuration(ns: number): string {
  const seconds = ns / 1e9;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit += 1;
  }
  return `${value}${units[unit]}`;
}

export function formatValue(path: string, value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'number' && DURATION_FIELD.test(path)) return humanDuration(value);
  if (typeof value === 'number' && BYTES_FIELD.test(path)) return humanBytes(value);
  if (typeof value === 'number' && /Secrets\[.*\]\.Mode$/.test(path)) return `0${value.toString(8)}`;
  if (path.endsWith('NanoCPUs') && typeof value === 'number') return `${value / 1e9} CPU`;
  return JSON.stringify(value);
}

export function shownBefore(diff: FieldDiff): string {
  return diff.sensitive && diff.before !== undefined ? MASK : formatValue(diff.path, diff.before);
}

export function shownAfter(diff: FieldDiff): string {
  return diff.sensitive && diff.after !== undefined ? MASK : formatValue(diff.path, diff.after);
}

/** `+ path: new`, `- path: old`, `~ path: old → new`. */
export function diffSymbol(diff: FieldDiff): '+' | '-' | '~' {
  if (diff.before === undefined) return '+';
  if (diff.after === undefined) return '-';
  return '~';
}

export function describeDiff(diff: FieldDiff): string {
  const symbol = diffSymbol(diff);
  if (symbol === '+') return `+ ${diff.path}: ${shownAfter(diff)}`;
  if (symbol === '-') return `- ${diff.path}: ${shownBefore(diff)}`;
  return `~ ${diff.path}: ${shownBefore(diff)} → ${shownAfter(diff)}`;
}
