/**
 * The emission impact beside the service plan (`base plan --emission-impact URL`): text and Markdown read the
 * model built by reconciler/audit/emission-impact.ts; JSON carries it as `emission_impact`. An unreachable master
 * is one clear line; the service plan is printed either way.
 */
import type { EmissionImpact, ShareChange } from '../audit/emission-impact.ts';

export type EmissionImpactSection =
  | { status: 'ok'; master: string; impact: EmissionImpact }
  | { status: 'unavailable'; master: string; reason: string };

/** Rows shown per table; the rest is counted. */
export const MAX_UID_ROWS = 20;
const NOISE = 1e-9;

const percent = (weight: number) => `${(weight * 100).toFixed(3)}%`;
const points = (delta: number) => (Math.abs(delta) <= NOISE ? '±0' : `${delta > 0 ? '+' : '-'}${(Math.abs(delta) * 100).toFixed(3)} pp`);
const share = (value: number | null) => (value === null ? '—' : `${value}%`);
const shortHotkey = (hotkey: string | null) => (hotkey === null ? '' : hotkey.length > 16 ? `${hotkey.slice(0, 8)}…${hotkey.slice(-4)}` : hotkey);

const CHANGE_WORDS: Record<ShareChange, string> = { gained: 'gains share', lost: 'loses share', added: 'added (no answers yet: burns)', retired: 'retired (its share burns)', unchanged: 'unchanged' };

/** One sentence: what was replayed, or why nothing was. */
function describe(section: EmissionImpactSection): string {
  if (section.status === 'unavailable') return `not computed: the master ${section.master} could not be asked (${section.reason}); the service plan is complete without it`;
  const { epochs } = section.impact;
  if (epochs.length === 0) return `no sealed epoch of ${section.master} could be replayed`;
  const range = epochs.length === 1 ? `epoch ${epochs[0]}` : `${epochs.length} sealed epochs ${epochs[0]}..${epochs.at(-1)}`;
  return `replay of ${range} from ${section.master} with this file's shares (mean weight per uid)`;
}

function movedUids(impact: EmissionImpact) {
  const moved = impact.uids.filter((u) => u.uid !== 0 && Math.abs(u.delta) > NOISE);
  return { shown: moved.slice(0, MAX_UID_ROWS), hidden: moved.length - Math.min(moved.length, MAX_UID_ROWS) };
}

export function renderEmissionImpactText(section: EmissionImpactSection): string {
  const out = [`Emission impact: ${describe(section)}`];
  if (section.status === 'ok' && section.impact.epochs.length > 0) {
    const { impact } = section;
    for (const c of impact.challenges.filter((c) => c.change !== 'unchanged')) out.push(`  ${c.slug}: ${share(c.before)} → ${share(c.after)}, ${CHANGE_WORDS[c.change]}`);
    out.push(`  burn (uid 0): ${percent(impact.burn.before)} → ${percent(impact.burn.after)} (${points(impact.burn.delta)})`);
    if (!impact.changed) out.push('  No weight changes: these shares give the sealed vectors.');
    const { shown, hidden } = movedUids(impact);
    for (const u of shown) out.push(`  uid ${u.uid}${u.hotkey ? ` ${shortHotkey(u.hotkey)}` : ''}: ${percent(u.before)} → ${percent(u.after)} (${points(u.delta)})`);
    if (hidden > 0) out.push(`  … and ${hidden} more uids with smaller changes (see --json)`);
  }
  if (section.status === 'ok') for (const s of section.impact.skipped) out.push(`  epoch ${s.epoch} not replayed: ${s.reason}`);
  return `${out.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderEmissionImpactMarkdown(section: EmissionImpactSection): string {
  const out = ['### Emission impact', ''];
  if (section.status === 'unavailable') {
    out.push(`> ⚠️ Emission impact ${cell(describe(section))}.`, '');
    return `${out.join('\n')}\n`;
  }
  const { impact } = section;
  const sentence = describe(section);
  out.push(`${cell(sentence.charAt(0).toUpperCase() + sentence.slice(1))}.`, '');
  if (impact.epochs.length > 0) {
    out.push(`**Burn (uid 0): ${percent(impact.burn.before)} → ${percent(impact.burn.after)} (${points(impact.burn.delta)})**`, '');
    out.push('| Challenge | Share before | Share after | |', '| --- | --- | --- | --- |');
    for (const c of impact.challenges) out.push(`| \`${cell(c.slug)}\` | ${share(c.before)} | ${share(c.after)} | ${CHANGE_WORDS[c.change]} |`);
    out.push('');
    if (!impact.changed) out.push('No weight changes: these shares give the sealed vectors.', '');
    const { shown, hidden } = movedUids(impact);
    if (shown.length > 0) {
      out.push('| UID | Hotkey | Weight before | Weight after | Change |', '| --- | --- | --- | --- | --- |');
      for (const u of shown) out.push(`| ${u.uid} | ${u.hotkey ? `\`${cell(shortHotkey(u.hotkey))}\`` : ''} | ${percent(u.before)} | ${percent(u.after)} | ${points(u.delta)} |`);
      out.push('');
      if (hidden > 0) out.push(`… and ${hidden} more uids with smaller changes (\`base plan --json\` lists all).`, '');
    }
  }
  for (const s of impact.skipped) out.push(`- epoch ${s.epoch} not replayed: ${cell(s.reason)}`);
  if (impact.skipped.length > 0) out.push('');
  return `${out.join('\n')}\n`;
}

/** The JSON field: the model, or why it is missing. */
export function emissionImpactJson(section: EmissionImpactSection): Record<string, unknown> {
  return section.status === 'ok' ? { status: 'ok', master: section.master, ...section.impact } : { ...section };
}
