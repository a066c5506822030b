/** Escaping and number formats shared by the HTML and SVG renderers. */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in element content and in quoted attributes of both HTML and XML. */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function percent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}

/** Coordinates with at most two decimals (smaller markup, stable output). */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies; the burn is a neutral grey. */
export const PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#F0E442'] as const;
export const BURN_COLOUR = '#8C8C8C';

/** Class of slice `index` (`c0`..`c6`, cycling) or of the burn. */
export function sliceClass(index: number, burn: boolean): string {
  return burn ? 'burn' : `c${index % PALETTE.length}`;
}

/** Fill rules for the slice classes, used by the page's stylesheet and the standalone SVG's. */
export const SLICE_CSS = `${PALETTE.map((c, i) => `.c${i}{fill:${c}}`).join('')}.burn{fill:${BURN_COLOUR}}`;
