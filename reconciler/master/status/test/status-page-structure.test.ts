import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { PALETTE } from '../format.ts';
import { buildStatusModel, HISTORY_EPOCHS } from '../model.ts';
import { renderStatusPage, STATUS_CSS_HASH, STATUS_PAGE_CSP } from '../render-html.ts';
import { statusInputs } from './fixture.ts';

const html = renderStatusPage(buildStatusModel(statusInputs({ count: 5, epochs: 60 })));

test('every figure links to the JSON route its figures come from', () => {
  const figures = [...html.matchAll(/<figure>(.*?)<\/figure>/g)].map((m) => m[1]!);
  assert.equal(figures.length, 3, 'split, top uids, history');
  const routes = figures.map((f) => [...f.matchAll(/<figcaption>.*?<\/figcaption>/g)].join('').match(/href="(\/v1\/[^"]+)"/)?.[1]);
  assert.deepEqual(routes, ['/v1/registry', '/v1/weights/latest', `/v1/weights?limit=${HISTORY_EPOCHS}`]);
  assert.match(html, /<a href="\/health">\/health<\/a>/);
});

test('the history chart and table show the newest 48 epochs, oldest left in the chart, newest first in the table', () => {
  const chartEpochs = [...html.matchAll(/<g data-epoch="(\d+)">/g)].map((m) => Number(m[1]));
  assert.equal(chartEpochs.length, HISTORY_EPOCHS);
  assert.equal(chartEpochs[0], 1000 - HISTORY_EPOCHS + 1);
  assert.equal(chartEpochs.at(-1), 1000);
  const tableEpochs = [...html.matchAll(/<a href="\/v1\/weights\/(\d+)">/g)].map((m) => Number(m[1]));
  assert.deepEqual(tableEpochs, [...chartEpochs].reverse());
  // Epoch 995 had a failed source: a cross, not a square.
  assert.match(html, /<g data-epoch="995"><title>epoch 995: burn [0-9.]+%, sources 4\/5 fresh, 0 carried, 1 failed<\/title><rect class="burn"[^>]*\/><path class="fail-mark"/);
  assert.match(html, /<h2 id="h-history">Last 48 epochs<\/h2>/);
});

test('semantic tables: a header row of column headers, row headers where a row names a thing', () => {
  const tables = [...html.matchAll(/<table[^>]*>(.*?)<\/table>/g)].map((m) => m[1]!);
  assert.equal(tables.length, 4, 'challenges, split, top uids, history');
  for (const table of tables) {
    const head = /<thead><tr>(.*?)<\/tr><\/thead>/.exec(table);
    assert.ok(head, 'a <thead>');
    assert.ok([...head[1]!.matchAll(/<th /g)].length >= 2 && !head[1]!.includes('<td'), 'only column headers');
    assert.ok(!/<th(?=[ >])(?![^>]*scope=)/.test(table), 'every <th> has a scope');
  }
  assert.match(html, /<tr data-slug="challenge-00"><th scope="row">/);
});

test('dark mode, the colour-blind-safe palette, and a CSP that allows exactly the inline stylesheet and own-origin script', () => {
  const style = /<style>(.*?)<\/style>/.exec(html)![1]!;
  assert.equal(`sha256-${createHash('sha256').update(style).digest('base64')}`, STATUS_CSS_HASH);
  assert.match(style, /@media \(prefers-color-scheme:dark\)\{:root\{--bg:#15171a/);
  for (const colour of PALETTE) assert.ok(style.includes(colour), colour);
  assert.match(STATUS_PAGE_CSP, /default-src 'none'; script-src 'self'; style-src 'sha256-/);
  assert.ok(!STATUS_PAGE_CSP.includes('unsafe'));
  assert.ok(!/<script(?! src="\/status-page\.js" defer><\/script>)/.test(html), 'the only script is the external one');
  assert.ok(!/ style="/.test(html), 'no style attributes (the CSP would block them)');
  assert.ok(!/ on[a-z]+="/.test(html), 'no inline event handlers');
  for (const [, url] of html.matchAll(/(?:href|src)="([^"]*)"/g)) assert.match(url!, /^\/(?!\/)/, `same-origin link: ${url}`);
});
