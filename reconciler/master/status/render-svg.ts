/**
 * Inline SVG charts of the status page and the standalone `/v1/challenges/dashboard.svg`, generated from the status
 * model only. Colours come from classes (page stylesheet or the SVG's own), so dark mode and the palette live in CSS;
 * each chart carries a <title> and the same figures are in a table next to it.
 */
import { esc, num, percent, sliceClass, SLICE_CSS } from './format.ts';
import type { SplitSlice, StatusModel } from './model.ts';

const SPLIT_WIDTH = 640;

/** The emission split as one stacked bar, each slice labelled in its <title>. */
export function splitBar(split: readonly SplitSlice[], width = SPLIT_WIDTH, height = 28, fluid = true): string {
  let x = 0;
  let colour = 0;
  const rects = split.map((slice) => {
    const w = slice.share * width;
    const cls = sliceClass(slice.slug === null ? 0 : colour++, slice.slug === null);
    const rect = `<rect class="${cls}" x="${num(x)}" y="0" width="${num(w)}" height="${height}" data-slug="${esc(slice.slug ?? '')}" data-share="${slice.share}"><title>${esc(slice.label)}: ${percent(slice.share)}</title></rect>`;
    x += w;
    return rect;
  });
  const summary = split.map((s) => `${s.label} ${percent(s.share)}`).join(', ');
  return `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" ${fluid ? 'width="100%" preserveAspectRatio="none"' : `width="${width}" height="${height}"`} aria-label="${esc(`Emission split: ${summary}`)}"><title>${esc(`Emission split: ${summary}`)}</title>${rects.join('')}</svg>`;
}

/** Top uids of the latest vector as horizontal bars (weight 0..1, longest bar = the largest weight). */
export function topUidsChart(top: ReadonlyArray<{ uid: number; weight: number }>, burnUid: number): string {
  const rowHeight = 18;
  const labelWidth = 56;
  const barWidth = 460;
  const height = Math.max(1, top.length) * rowHeight;
  const max = Math.max(...top.map((t) => t.weight), 1e-12);
  const rows = top.map((t, i) => {
    const y = i * rowHeight;
    const w = (t.weight / max) * barWidth;
    const cls = t.uid === burnUid ? 'burn' : 'c3';
    return `<g><text class="label" x="${labelWidth - 6}" y="${y + 13}" text-anchor="end">uid ${t.uid}</text><rect class="${cls}" x="${labelWidth}" y="${y + 3}" width="${num(Math.max(w, 1))}" height="${rowHeight - 6}"><title>uid ${t.uid}${t.uid === burnUid ? ' (burn)' : ''}: ${percent(t.weight, 2)}</title></rect><text class="label" x="${num(labelWidth + Math.max(w, 1) + 6)}" y="${y + 13}">${percent(t.weight, 2)}</text></g>`;
  });
  const width = labelWidth + barWidth + 70;
  return `<svg class="chart scaled" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-label="Top uids by weight"><title>Top ${top.length} uids by weight</title>${rows.join('')}</svg>`;
}

/**
 * The last epochs, oldest left: a bar per epoch for the burn share (0..100 %), and under it a strip of the
 * sources: a full square when every source was fresh, a hollow one when some were carried, a cross when one failed.
 */
export function historyChart(history: StatusModel['history'] & object): string {
  const step = 13;
  const plot = 80;
  const pad = 8; // room above the 100 % label
  const left = 34;
  const width = left + Math.max(history.length, 1) * step + 4;
  const height = pad + plot + 30;
  const y = (share: number): string => num(pad + plot - share * plot);
  const axis = [0, 0.5, 1]
    .map((v) => `<text class="label" x="${left - 4}" y="${num(pad + plot - v * plot + 4)}" text-anchor="end">${v * 100}%</text><line class="grid" x1="${left}" x2="${width}" y1="${y(v)}" y2="${y(v)}"/>`)
    .join('');
  const marks = pad + plot + 8;
  const bars = history.map((h, i) => {
    const x = left + i * step;
    const bh = Math.max(h.burn_share * plot, 0.5);
    const total = h.sources.fresh + h.sources.carried + h.sources.failed;
    const mark =
      h.sources.failed > 0
        ? `<path class="fail-mark" d="M${x + 2} ${marks}l8 8M${x + 10} ${marks}l-8 8"/>`
        : h.sources.carried > 0
          ? `<rect class="carried-mark" x="${x + 2}" y="${marks}" width="8" height="8"/>`
          : `<rect class="ok-mark" x="${x + 2}" y="${marks}" width="8" height="8"/>`;
    return `<g data-epoch="${h.epoch}"><title>epoch ${h.epoch}: burn ${percent(h.burn_share)}, sources ${h.sources.fresh}/${total} fresh, ${h.sources.carried} carried, ${h.sources.failed} failed</title><rect class="burn" x="${x + 1}" y="${num(pad + plot - bh)}" width="${step - 2}" height="${num(bh)}"/>${mark}</g>`;
  });
  return `<svg class="chart scaled" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-label="Burn share and sources per epoch, last ${history.length} epochs"><title>Burn share and sources per epoch (last ${history.length})</title>${axis}${bars.join('')}</svg>`;
}

const DASHBOARD_CSS =
  `${SLICE_CSS}text{font:13px system-ui,sans-serif;fill:#1a1a1a}.muted{fill:#555}.bg{fill:#fff}.ok{fill:#009E73}.failing{fill:#D55E00}.unknown{fill:#8C8C8C}` +
  `@media (prefers-color-scheme:dark){.bg{fill:#15171a}text{fill:#e8e8e8}.muted{fill:#aaa}}`;

/** `GET /v1/challenges/dashboard.svg`: a standalone picture of the emission split and each challenge's health. */
export function dashboardSvg(model: StatusModel): string {
  const width = 560;
  const rowHeight = 22;
  const top = 78;
  const colours = new Map<string, string>();
  let colour = 0;
  for (const slice of model.split) if (slice.slug !== null) colours.set(slice.slug, sliceClass(colour++, false));
  const shares = new Map(model.split.map((s) => [s.slug, s.share]));
  const burn = shares.get(null) ?? 0;
  const rows = model.challenges.map((c, i) => {
    const y = top + i * rowHeight;
    const mark = c.probe === 'ok' ? '✓' : c.probe === 'failing' ? '✗' : '?';
    const state = c.probe === 'ok' ? 'healthy' : c.probe === 'failing' ? `failing (${c.probeError ?? 'error'})` : 'not probed';
    const swatch = colours.get(c.slug) ?? 'burn';
    return `<g data-slug="${esc(c.slug)}"><rect class="${swatch}" x="16" y="${y - 11}" width="12" height="12"/><text x="36" y="${y}">${esc(c.name)}</text><text x="250" y="${y}">${percent(shares.get(c.slug) ?? 0)}</text><text class="${c.probe}" x="320" y="${y}">${mark}</text><text class="muted" x="336" y="${y}">${esc(state)}</text></g>`;
  });
  const burnY = top + model.challenges.length * rowHeight;
  const height = burnY + 22;
  const title = `${model.subnet.name || 'subnet'}${model.subnet.netuid === null ? '' : ` · netuid ${model.subnet.netuid}`}`;
  const epoch = model.vector ? `epoch ${model.vector.epoch}` : 'no vector sealed yet';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(`${title}: emission split and challenge health`)}">` +
    `<title>${esc(`${title}: emission split and challenge health`)}</title><style>${DASHBOARD_CSS}</style>` +
    `<rect class="bg" width="${width}" height="${height}"/>` +
    `<text x="16" y="22" font-weight="bold">${esc(title)}</text><text class="muted" x="${width - 16}" y="22" text-anchor="end">${esc(`${model.health.status} · ${epoch}`)}</text>` +
    `<g transform="translate(16 34)">${splitBar(model.split, width - 32, 20, false)}</g>` +
    rows.join('') +
    `<g data-slug=""><rect class="burn" x="16" y="${burnY - 11}" width="12" height="12"/><text x="36" y="${burnY}">burn (uid ${model.subnet.burnUid})</text><text x="250" y="${burnY}">${percent(burn)}</text></g>` +
    `</svg>\n`
  );
}
