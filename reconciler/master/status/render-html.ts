/**
 * `GET /`: the status page, rendered on the server from the status model alone (works with scripts disabled).
 * The one stylesheet is inline and allowed by its hash; the only script is the external `/status-page.js`.
 */
import { createHash } from 'node:crypto';
import { esc, percent, sliceClass, SLICE_CSS } from './format.ts';
import type { StatusChallengeRow, StatusModel } from './model.ts';
import { historyChart, splitBar, topUidsChart } from './render-svg.ts';

export const STATUS_CSS =
  ':root{color-scheme:light dark;--bg:#fff;--fg:#1a1a1a;--muted:#595959;--line:#d0d0d0;--ok:#007a5a;--bad:#b34700;--card:#f6f6f6}' +
  '@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e8e8e8;--muted:#a8a8a8;--line:#3a3d42;--ok:#3fc39b;--bad:#ff8a4c;--card:#1e2125}}' +
  'body{margin:0 auto;max-width:72rem;padding:1rem 1.25rem 3rem;font:15px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg)}' +
  'h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}a{color:inherit}.muted,figcaption,caption{color:var(--muted)}' +
  'table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}' +
  'caption{text-align:left;padding:.2rem 0}td.n,th.n{text-align:right}code{font-size:.85em;word-break:break-all}' +
  'figure{margin:.5rem 0;padding:.6rem;background:var(--card);border-radius:6px}figcaption{font-size:.85rem;margin-top:.3rem}' +
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}dt{color:var(--muted)}dd{margin:0}' +
  '.ok{color:var(--ok)}.failing,.failed,.degraded{color:var(--bad);font-weight:600}.carried{color:var(--bad)}' +
  'svg.chart.scaled{width:100%;max-width:48rem;height:auto}tbody th{white-space:nowrap}.chart text.label{font:11px system-ui,sans-serif;fill:var(--fg)}.chart .grid{stroke:var(--line)}' +
  '.ok-mark{fill:#009E73}.carried-mark{fill:none;stroke:#E69F00;stroke-width:2}.fail-mark{stroke:#D55E00;stroke-width:2.5}' +
  '.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.35em;vertical-align:-.05em}.swatch svg{display:block}' +
  `${SLICE_CSS}`;

/** For the Content-Security-Policy: the inline stylesheet is allowed by this hash and nothing else is. */
export const STATUS_CSS_HASH = `sha256-${createHash('sha256').update(STATUS_CSS).digest('base64')}`;

export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src '${STATUS_CSS_HASH}'`,
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const when = (iso: string | null): string => (iso === null ? '<span class="muted">unknown</span>' : `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>`);
const orDash = (value: string | number | null): string => (value === null ? '<span class="muted">—</span>' : esc(value));

function age(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

function probeCell(row: StatusChallengeRow): string {
  if (row.probe === 'unknown') return '<td data-probe="unknown"><span class="muted">not probed yet</span></td>';
  const label = row.probe === 'ok' ? '✓ healthy' : `✗ failing (${esc(row.probeError ?? 'error')})`;
  return `<td data-probe="${row.probe}"><span class="${row.probe}">${label}</span> <span class="muted">${age(row.probeAgeSeconds)}</span></td>`;
}

function collectionCell(row: StatusChallengeRow): string {
  const c = row.collection;
  if (c === null) return '<td data-outcome=""><span class="muted">not in the latest vector</span></td>';
  const text =
    c.outcome === 'fresh'
      ? 'fresh'
      : c.outcome === 'carried'
        ? `carried from epoch ${c.carriedFromEpoch ?? '?'}${c.reason ? ` (${esc(c.reason)})` : ''}`
        : `failed${c.reason ? ` (${esc(c.reason)})` : ''}`;
  return `<td data-outcome="${c.outcome}"><span class="${c.outcome}">${text}</span></td>`;
}

function challengeRows(model: StatusModel): string {
  if (model.challenges.length === 0) return '<tr><td colspan="8" class="muted">No challenges in the desired state.</td></tr>';
  const shares = new Map(model.split.map((s) => [s.slug, s.share]));
  const swatches = new Map<string, string>();
  let colour = 0;
  for (const slice of model.split) if (slice.slug !== null) swatches.set(slice.slug, sliceClass(colour++, false));
  return model.challenges
    .map((row) => {
      const swatch = swatches.get(row.slug);
      const mark = swatch ? `<span class="swatch"><svg viewBox="0 0 10 10" width="10" height="10" aria-hidden="true"><rect class="${swatch}" width="10" height="10"/></svg></span>` : '';
      const tasks = row.runningTasks === null ? '<span class="muted">—</span>' : `${row.runningTasks}/${row.desiredTasks ?? 0}`;
      const share = shares.get(row.slug);
      return (
        `<tr data-slug="${esc(row.slug)}"><th scope="row">${mark}${esc(row.name)} <code class="muted">${esc(row.slug)}</code></th>` +
        `<td data-status="${row.status}">${row.status}</td>${probeCell(row)}<td class="n">${tasks}</td>` +
        `<td class="n" data-emission="${row.emissionPercent}">${esc(row.emissionPercent)}%${share === undefined || Math.abs(share * 100 - row.emissionPercent) < 1e-9 ? '' : ` <span class="muted">(${percent(share)} applied)</span>`}</td>` +
        `${collectionCell(row)}<td class="n">${row.collection === null ? '<span class="muted">—</span>' : row.collection.hotkeyCount}</td>` +
        `<td><a href="${esc(row.proxyPath)}/">${esc(row.proxyPath)}/</a></td></tr>`
      );
    })
    .join('');
}

function vectorSection(model: StatusModel): string {
  const v = model.vector;
  if (v === null) return '<p class="muted" id="vector-epoch" data-epoch="">No weights vector sealed yet.</p>';
  const uidRows = v.top.map((t) => `<tr><td class="n">${t.uid}${t.uid === model.subnet.burnUid ? ' <span class="muted">(burn)</span>' : ''}</td><td class="n">${percent(t.weight, 2)}</td></tr>`).join('');
  return (
    `<dl><dt>Epoch</dt><dd id="vector-epoch" data-epoch="${v.epoch}">${v.epoch}</dd><dt>Sealed</dt><dd>${when(v.computedAt)}</dd><dt>Expires</dt><dd>${when(v.expiresAt)}</dd>` +
    `<dt>Digest</dt><dd><code>${esc(v.digest)}</code></dd><dt>Signer</dt><dd><code>${esc(v.signerSs58)}</code> <code class="muted">${esc(v.signerPublicKey)}</code></dd>` +
    `<dt>Burn share</dt><dd id="burn-share">${percent(v.burnShare, 2)} <span class="muted">(uid ${model.subnet.burnUid})</span></dd><dt>Uids</dt><dd>${v.uidCount}</dd></dl>` +
    `<figure>${topUidsChart(v.top, model.subnet.burnUid)}<figcaption>Top ${v.top.length} of ${v.uidCount} uids by weight, from <a href="/v1/weights/latest">/v1/weights/latest</a>.</figcaption></figure>` +
    `<details><summary>Top uids as a table</summary><table><thead><tr><th scope="col" class="n">uid</th><th scope="col" class="n">weight</th></tr></thead><tbody>${uidRows}</tbody></table></details>`
  );
}

function historySection(model: StatusModel): string {
  const h = model.history;
  if (h === null) return '<p class="muted">The epoch history is unavailable (the control-plane store did not answer).</p>';
  if (h.length === 0) return '<p class="muted">No epochs sealed yet.</p>';
  const rows = [...h]
    .reverse()
    .map((e) => `<tr><td class="n"><a href="/v1/weights/${e.epoch}">${e.epoch}</a></td><td class="n">${percent(e.burn_share)}</td><td class="n">${e.sources.fresh}</td><td class="n">${e.sources.carried}</td><td class="n">${e.sources.failed}</td></tr>`)
    .join('');
  return (
    `<figure>${historyChart(h)}<figcaption>Burn share per epoch (bars) and sources (■ all fresh, □ some carried, ✗ one failed), oldest left, from <a href="/v1/weights?limit=${h.length}">/v1/weights?limit=${h.length}</a>.</figcaption></figure>` +
    `<details><summary>History as a table</summary><table><thead><tr><th scope="col" class="n">Epoch</th><th scope="col" class="n">Burn</th><th scope="col" class="n">Fresh</th><th scope="col" class="n">Carried</th><th scope="col" class="n">Failed</th></tr></thead><tbody>${rows}</tbody></table></details>`
  );
}

export function renderStatusPage(model: StatusModel): string {
  const s = model.subnet;
  const title = `${s.name || 'BASE subnet'} status`;
  const refresh = Math.min(Math.max(s.epochIntervalSeconds ?? 60, 5), 3600);
  const reasons = model.health.reasons.length === 0 ? '' : `<ul id="health-reasons">${model.health.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`;
  const splitRows = model.split
    .map((slice) => `<tr><th scope="row">${esc(slice.label)}</th><td class="n">${percent(slice.share)}</td></tr>`)
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(title)}</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${STATUS_CSS}</style><script src="/status-page.js" defer></script></head>` +
    `<body data-epoch-seconds="${refresh}"><main id="status">` +
    `<header><h1>${esc(s.name || 'BASE subnet')}</h1><p class="muted">netuid <span id="netuid">${orDash(s.netuid)}</span> · ${orDash(s.environment)} · desired state <code id="revision">${orDash(s.revision)}</code> applied ${when(s.appliedAt)} · <a href="/v1/registry">/v1/registry</a></p></header>` +
    `<section aria-labelledby="h-health"><h2 id="h-health">Master health: <span id="health-status" class="${model.health.status}">${model.health.status}</span></h2>${reasons}` +
    `<p class="muted">base-master ${esc(model.health.version)}, up ${age(model.health.uptimeSeconds).replace(' ago', '')} · <a href="/health">/health</a></p></section>` +
    `<section aria-labelledby="h-challenges"><h2 id="h-challenges">Challenges</h2><table id="challenges"><caption>From <a href="/v1/registry">/v1/registry</a> and the latest vector's sources.</caption>` +
    `<thead><tr><th scope="col">Challenge</th><th scope="col">Status</th><th scope="col">Probe</th><th scope="col" class="n">Tasks</th><th scope="col" class="n">Emission</th><th scope="col">Last collection</th><th scope="col" class="n">Hotkeys</th><th scope="col">Proxy</th></tr></thead>` +
    `<tbody>${challengeRows(model)}</tbody></table></section>` +
    `<section aria-labelledby="h-split"><h2 id="h-split">Emission split</h2><figure>${splitBar(model.split)}<figcaption>Configured shares from <a href="/v1/registry">/v1/registry</a>; a challenge the latest vector marked failed burns, as does the unallocated rest. Also as an image: <a href="/v1/challenges/dashboard.svg">/v1/challenges/dashboard.svg</a>.</figcaption></figure>` +
    `<table id="split"><thead><tr><th scope="col">Share</th><th scope="col" class="n">of emission</th></tr></thead><tbody>${splitRows}</tbody></table></section>` +
    `<section aria-labelledby="h-vector"><h2 id="h-vector">Latest sealed vector</h2>${vectorSection(model)}</section>` +
    `<section aria-labelledby="h-history"><h2 id="h-history">Last ${model.history?.length ?? 0} epochs</h2>${historySection(model)}</section>` +
    `<footer><p class="muted">Generated ${when(model.generatedAt)}; refreshed every epoch (${refresh} s) while scripts run. Broker runs will appear here once the broker exists.</p></footer>` +
    `</main><p id="refresh-state" class="muted" aria-live="polite"></p></body></html>\n`
  );
}
