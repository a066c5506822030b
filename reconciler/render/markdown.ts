/** `--markdown`: a pull-request comment with a heading, the summary, a table of changes and the field diffs folded. */
import type { Plan } from '../plan/model.ts';
import { describeDiff } from './format-value.ts';
import { hasChanges, impactWords, summaryLine } from './summary.ts';

const ACTION_ICON: Record<string, string> = { create: '➕ create', update: '🔄 update', delete: '➖ destroy' };

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export interface MarkdownOptions {
  /** E.g. "desired-state/subnet.yaml (abc1234 → HEAD)". */
  title?: string;
}

export function renderMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const out: string[] = [`### Base plan${options.title ? `: ${cell(options.title)}` : ''}`, '', `**${summaryLine(plan)}**`, ''];
  const changed = plan.changes.filter((c) => c.action !== 'no-op');
  if (hasChanges(plan)) {
    out.push('| Action | Kind | Name | Impact | Reason |', '| --- | --- | --- | --- | --- |');
    for (const change of changed) {
      const impact = change.kind === 'service' && change.action === 'update' ? impactWords(change.impact) : change.action === 'update' ? impactWords(change.impact) : '—';
      out.push(`| ${ACTION_ICON[change.action] ?? change.action} | ${change.kind} | \`${cell(change.name)}\` | ${impact} | ${cell(change.reason ?? '')} |`);
    }
    out.push('');
    const withDiffs = changed.filter((c) => c.diffs.length > 0);
    if (withDiffs.length > 0) {
      out.push('<details><summary>Field differences</summary>', '');
      for (const change of withDiffs) {
        out.push(`#### ${change.action} ${change.kind} \`${cell(change.name)}\``, '', '```diff');
        for (const diff of change.diffs) out.push(change.action === 'create' ? `+ ${describeDiff(diff).slice(2)}` : describeDiff(diff).replace(/^~/, '!'));
        out.push('```', '');
      }
      out.push('</details>', '');
    }
  }
  if (plan.warnings.length > 0) {
    out.push('**Warnings**', '');
    for (const w of plan.warnings) out.push(`- ⚠️ ${w.kind} \`${cell(w.name)}\`: ${cell(w.message)}`);
    out.push('');
  }
  out.push(`<sub>plan ${plan.hash.slice(0, 19)} · live ${plan.live_fingerprint.slice(0, 19)}${plan.revision ? ` · revision ${plan.revision}` : ''}</sub>`);
  return `${out.join('\n')}\n`;
}
