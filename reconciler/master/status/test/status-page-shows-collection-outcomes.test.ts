import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStatusModel } from '../model.ts';
import { renderStatusPage } from '../render-html.ts';
import { dashboardSvg } from '../render-svg.ts';
import { failingProbe, okProbe, slugOf, statusInputs, type Outcome } from './fixture.ts';

/** The <tr> of one challenge in the page's challenge table. */
function row(html: string, slug: string): string {
  const match = new RegExp(`<tr data-slug="${slug}">(.*?)</tr>`).exec(html);
  assert.ok(match, `a row for ${slug}`);
  return match[1]!;
}

const OUTCOMES: Outcome[] = [
  { kind: 'fresh' },
  { kind: 'carried', fromEpoch: 997, reason: 'connect ECONNREFUSED' },
  { kind: 'failed', reason: 'status-500 <b>bad</b>' },
  { kind: 'fresh' },
];

function page() {
  const model = buildStatusModel(
    statusInputs({ count: 4, epochs: 3, outcome: (i) => OUTCOMES[i]!, probe: (i) => (i === 3 ? failingProbe('ECONNREFUSED', 5) : i === 2 ? undefined : okProbe(90)) }),
  );
  return { model, html: renderStatusPage(model), svg: dashboardSvg(model) };
}

test('a challenge row says fresh, carried from epoch N with the reason, or failed with the (escaped) reason', () => {
  const { html } = page();
  assert.match(row(html, slugOf(0)), /<td data-outcome="fresh"><span class="fresh">fresh<\/span><\/td>/);
  assert.match(row(html, slugOf(1)), /<td data-outcome="carried"><span class="carried">carried from epoch 997 \(connect ECONNREFUSED\)<\/span>/);
  assert.match(row(html, slugOf(2)), /<td data-outcome="failed"><span class="failed">failed \(status-500 &lt;b&gt;bad&lt;\/b&gt;\)<\/span>/);
  assert.ok(!html.includes('<b>bad</b>'), 'the reason is escaped');
  // Hotkey counts are the vector's, the proxy path links to the challenge.
  assert.match(row(html, slugOf(1)), /<td class="n">11<\/td><td><a href="\/challenges\/challenge-01\/">/);
});

test('probe health and its age: healthy with age, failing with the reason, not probed yet', () => {
  const { html } = page();
  assert.match(row(html, slugOf(0)), /data-probe="ok"><span class="ok">✓ healthy<\/span> <span class="muted">90 s ago<\/span>/);
  assert.match(row(html, slugOf(3)), /data-probe="failing"><span class="failing">✗ failing \(ECONNREFUSED\)<\/span> <span class="muted">5 s ago<\/span>/);
  assert.match(row(html, slugOf(2)), /data-probe="unknown"><span class="muted">not probed yet<\/span>/);
});

test('the emission picture burns a failed challenge\'s share with the unallocated rest, on the page and in the SVG', () => {
  const { model, html, svg } = page();
  // Four challenges at 24 % each; challenge-02 failed: 3 × 24 % paid, 28 % burns.
  assert.deepEqual(model.split.map((s) => s.slug), [slugOf(0), slugOf(1), slugOf(3), null]);
  assert.ok(Math.abs(model.split.at(-1)!.share - 0.28) < 1e-12);
  assert.match(html, /<rect class="burn" [^>]*data-slug="" data-share="0\.28[0-9]*"><title>burn: 28\.0%<\/title>/);
  assert.match(html, /<tr><th scope="row">burn<\/th><td class="n">28\.0%<\/td><\/tr>/);
  assert.match(row(html, slugOf(2)), /24%/);
  assert.match(svg, /<text x="36" y="[0-9]+">burn \(uid 0\)<\/text><text x="250" y="[0-9]+">28\.0%<\/text>/);
  assert.match(svg, /<g data-slug="challenge-02"><rect class="burn"/, 'the failed challenge is drawn in the burn colour');
});
