/**
 * `base images check` output, in the plan's three styles: text (`~` per image that would change, old → new, then a
 * summary line), JSON (the report itself, with format_version) and Markdown (a table for a pull-request comment).
 * Image references carry no secrets, so nothing is masked.
 */
import { describeRule } from '../images/decide.ts';
import type { ImageCheck, ImageReport } from '../images/check.ts';

export function imageSummaryLine(report: ImageReport): string {
  const current = report.images.length - report.updates;
  if (report.images.length === 0) return 'No images have an update policy.';
  if (report.updates === 0) return `No image updates. ${current} image${current === 1 ? ' is' : 's are'} current.`;
  return `${report.updates} image update${report.updates === 1 ? '' : 's'}, ${current} current.`;
}

const CODES = { yellow: 33, dim: 2, bold: 1 } as const;

function shortDigest(digest: string | null): string {
  return digest === null ? '(none)' : digest.slice(0, 19);
}

function tagChange(check: ImageCheck): string {
  const from = /:([^:@/]+)(?:@|$)/.exec(check.from)?.[1];
  return from === check.tag ? check.tag : `${from ?? '(none)'} -> ${check.tag}`;
}

export function renderImageReportText(report: ImageReport, options: { color: boolean; showCurrent?: boolean }): string {
  const paint = (style: keyof typeof CODES, text: string): string => (options.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  for (const check of report.images) {
    const where = `${report.file}:${check.line}:${check.column}`;
    const how = `${describeRule(check.policy)}, mode ${check.mode}`;
    if (check.action === 'current') {
      if (options.showCurrent) lines.push(paint('dim', `  ${check.path} is current: ${check.to} (${how})`));
      continue;
    }
    lines.push(`${paint('yellow', '~')} ${paint('bold', check.path)} (${how}) ${paint('dim', where)}`);
    lines.push(`    ${check.from}`);
    lines.push(`  -> ${check.to}`);
    lines.push(`    tag ${tagChange(check)}, digest ${shortDigest(check.previous_digest)} -> ${shortDigest(check.digest)}`);
  }
  if (lines.length > 0) lines.push('');
  lines.push(imageSummaryLine(report));
  return `${lines.join('\n')}\n`;
}

export function renderImageReportJson(report: ImageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderImageReportMarkdown(report: ImageReport, options: { title?: string } = {}): string {
  const out: string[] = [`### Base images${options.title ? `: ${cell(options.title)}` : ''}`, '', `**${imageSummaryLine(report)}**`, ''];
  const updates = report.images.filter((c) => c.action === 'update');
  if (updates.length > 0) {
    out.push('| Image | Policy | Mode | Tag | Digest |', '| --- | --- | --- | --- | --- |');
    for (const c of updates) {
      out.push(`| \`${cell(c.path)}\` | ${cell(describeRule(c.policy))} | ${c.mode} | ${cell(tagChange(c))} | \`${shortDigest(c.previous_digest)}\` → \`${shortDigest(c.digest)}\` |`);
    }
    out.push('', '<details><summary>References</summary>', '', '```diff');
    for (const c of updates) out.push(`# ${c.path}`, `- ${c.from}`, `+ ${c.to}`);
    out.push('```', '', '</details>', '');
  }
  return `${out.join('\n')}\n`;
}
