/** Terraform-like text: `+` create, `~` update, `-` destroy, per-field old → new, then the summary line. */
import type { Change, Plan } from '../plan/model.ts';
import { describeDiff, diffSymbol } from './format-value.ts';
import { hasChanges, impactWords, summaryLine } from './summary.ts';

export interface TextOptions {
  color: boolean;
  /** Also list unchanged objects. */
  showUnchanged?: boolean;
}

const CODES = { green: 32, yellow: 33, red: 31, bold: 1, dim: 2 } as const;
type Style = keyof typeof CODES;

/** `NO_COLOR` (any non-empty value) turns colour off; so does a stream that is not a terminal. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR && stream.isTTY === true;
}

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', 'no-op': ' ' };
const SYMBOL_STYLE: Record<string, Style> = { '+': 'green', '~': 'yellow', '-': 'red', ' ': 'dim' };

export function renderText(plan: Plan, options: TextOptions): string {
  const paint = (style: Style, text: string): string => (options.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  for (const change of plan.changes) {
    if (change.action === 'no-op' && !options.showUnchanged) continue;
    const symbol = SYMBOL[change.action];
    const notes: string[] = [];
    if (change.kind === 'service' && change.action === 'update') notes.push(change.impact === 'rolls-tasks' ? 'rolls tasks: its tasks will be replaced' : 'no restart');
    else if (change.action === 'update' && change.impact !== 'none') notes.push(impactWords(change.impact));
    if (change.reason) notes.push(change.reason);
    const title = `${symbol} ${change.kind} ${change.name}`;
    lines.push(`  ${paint(SYMBOL_STYLE[symbol] ?? 'dim', title)}${notes.length ? paint('dim', `  (${notes.join('; ')})`) : ''}`);
    for (const diff of change.diffs) {
      const fieldSymbol = change.action === 'create' ? '+' : diffSymbol(diff);
      lines.push(`      ${paint(SYMBOL_STYLE[fieldSymbol] ?? 'dim', describeDiff(diff))}`);
    }
  }
  const out: string[] = [];
  if (lines.length > 0) {
    out.push(hasChanges(plan) ? 'Base will perform the following actions:' : 'Objects (all unchanged):', '', ...lines, '');
  }
  if (plan.warnings.length > 0) {
    out.push(paint('yellow', 'Warnings:'));
    for (const warning of plan.warnings) out.push(`  ${paint('yellow', '!')} ${warning.kind} ${warning.name}: ${warning.message}`);
    out.push('');
  }
  out.push(paint('bold', summaryLine(plan)));
  return `${out.join('\n')}\n`;
}
