/**
 * The status page in a real browser: Debian's Chromium (installed by the test bed's set-up) driven by playwright-core,
 * against `base serve` with two local challenges, its weights loop sealing real epochs into the development SQLite
 * store, which was seeded with 47 earlier sealed epochs first. No Docker needed; Chromium is.
 * Screenshots are written to tmp/status-page-in-a-browser/ (git-ignored) and their paths printed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { execa } from 'execa';
import { chromium, type Browser, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { openStore } from '../../store/index.ts';
import { randomHotkey, startChallengeServer, type TestChallengeServer } from '../../weights/collect/test/challenge-server.ts';
import { encodeU16, loadSigningKey, sealVector } from '../../weights/index.ts';
import type { UnsealedVector, VectorSource } from '../../weights/vector.ts';
import type { RegistryDocument } from '../registry.ts';
import type { WeightsVector } from '../weights-reader.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CHROMIUM = process.env.BASE_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'tmp', 'status-page-in-a-browser');
const EPOCH_SECONDS = 12;
const SLUGS = ['alpha', 'beta'] as const;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The few DOM shapes the code run inside the page uses (the project compiles without the DOM library; these
// declarations are module-local, and the functions passed to page.evaluate run against the page's real globals).
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  children: ArrayLike<PageElement>;
  querySelector(selector: string): PageElement | null;
  getBBox(): { width: number };
}
declare const document: {
  body: PageElement;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getElementById(id: string): PageElement | null;
  addEventListener(type: 'securitypolicyviolation', listener: (event: { violatedDirective: string; blockedURI: string }) => void): void;
};
declare function getComputedStyle(element: PageElement): { backgroundColor: string };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** Epochs before the loop's first: beta carried every 6th epoch, failed every 11th (its 40 % burns). */
function seededVector(epoch: number, hotkeys: readonly string[], previous: { epoch: number; digest: string } | null): UnsealedVector {
  const betaFailed = epoch % 11 === 0;
  const betaCarried = !betaFailed && epoch % 6 === 0;
  const uids = betaFailed ? [0, 1] : [0, 1, 2];
  const weights = betaFailed ? [0.6, 0.4] : [0.2, 0.4, 0.4];
  const source = (slug: string, outcome: VectorSource['outcome']): VectorSource => ({
    slug,
    emission_percent: 40,
    ok: outcome === 'fresh',
    error: outcome === 'fresh' ? null : 'status-500',
    outcome,
    carried_from_epoch: outcome === 'carried' ? epoch - 1 : null,
    reason: outcome === 'fresh' ? null : 'status-500',
    snapshot_digest: outcome === 'failed' ? null : 'ee'.repeat(32),
    hotkey_count: outcome === 'failed' ? 0 : 1,
    unknown_hotkey_count: 0,
    raw_scores_published: true,
  });
  const at = new Date(epoch * EPOCH_SECONDS * 1000);
  return {
    format_version: 2,
    netuid: 3,
    chain_endpoint: 'ws://127.0.0.1:9944',
    epoch,
    uids,
    weights,
    hotkey_weights: Object.fromEntries(uids.slice(1).map((uid, i) => [hotkeys[uid - 1]!, weights[i + 1]!])),
    weights_u16: encodeU16(uids, weights),
    computed_at: at.toISOString(),
    expires_at: new Date(at.getTime() + 720_000).toISOString(),
    source_challenges: [source('alpha', 'fresh'), source('beta', betaFailed ? 'failed' : betaCarried ? 'carried' : 'fresh')],
    metagraph_updated_at: at.toISOString(),
    metagraph: { source: 'static', block_number: null, block_hash: null, hotkey_count: 2, hotkey_to_uid_digest: null },
    desired_state_revision: null,
    aggregation: { min_allowed_weights: 0, max_weight_limit: 1, zero_miner_fallback: false },
    previous_epoch: previous?.epoch ?? null,
    previous_digest: previous?.digest ?? null,
  };
}

interface Observed {
  consoleErrors: string[];
  violations: string[];
  foreignRequests: string[];
  requests: string[];
}

function observe(page: Page, origin: string): Observed {
  const seen: Observed = { consoleErrors: [], violations: [], foreignRequests: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) seen.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => seen.consoleErrors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    seen.requests.push(request.url());
    if (new URL(request.url()).origin !== origin) seen.foreignRequests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.text().startsWith('csp-violation ')) seen.violations.push(message.text());
  });
  return seen;
}

/** What the page shows, read from the DOM. */
async function shown(page: Page) {
  return page.evaluate(() => {
    const rows = Array.from(document.querySelectorAll('#challenges tbody tr[data-slug]'));
    return {
      rows: rows.map((r) => ({
        slug: r.dataset.slug ?? '',
        status: r.querySelector('td[data-status]')?.dataset.status ?? '',
        emission: Number(r.querySelector('td[data-emission]')?.dataset.emission),
        outcome: r.querySelector('td[data-outcome]')?.dataset.outcome ?? '',
        outcomeText: r.querySelector('td[data-outcome]')?.textContent ?? '',
        probe: r.querySelector('td[data-probe]')?.dataset.probe ?? '',
        hotkeys: r.children[6]?.textContent ?? '',
      })),
      epoch: Number(document.querySelector('#vector-epoch')?.dataset.epoch),
      digest: document.querySelector('#h-vector ~ dl code, #h-vector + dl dd code')?.textContent ?? '',
      burnShare: document.getElementById('burn-share')?.textContent ?? '',
      splitSlices: Array.from(document.querySelectorAll('#h-split ~ figure svg rect[data-share]')).map((r) => ({
        slug: r.dataset.slug ?? '',
        share: Number(r.dataset.share),
        width: r.getBBox().width,
      })),
      topUidBars: document.querySelectorAll('#h-vector ~ figure svg rect').length,
      historyEpochs: Array.from(document.querySelectorAll('#h-history ~ figure svg g[data-epoch]')).map((g) => Number(g.dataset.epoch)),
      refreshState: document.getElementById('refresh-state')?.textContent ?? '',
      background: getComputedStyle(document.body).backgroundColor,
    };
  });
}

test('the status page in Chromium: rows and epoch equal the JSON routes, works without scripts, no CSP errors or foreign requests, refresh shows a failing challenge', { timeout: 180_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`Chromium not found at ${CHROMIUM}: run \`make testbed-up\` (installs Debian's chromium package) or set BASE_CHROMIUM to a Chromium binary`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-status-browser-'));
  const hotkeys = [randomHotkey(), randomHotkey()];
  const tokens = new Map(SLUGS.map((slug) => [slug, randomBytes(16).toString('hex')]));
  let betaFails = false;
  const servers = new Map<string, TestChallengeServer>();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let browser: Browser | null = null;
  let child: ReturnType<typeof execa> | null = null;
  try {
    for (const [index, slug] of SLUGS.entries()) {
      servers.set(
        slug,
        await startChallengeServer((req, res) => {
          if (slug === 'beta' && betaFails) {
            res.statusCode = 500;
            return void res.end('{"detail":"made to fail"}');
          }
          if (req.url !== '/internal/v1/get_weights') return void res.end(req.url === '/version' ? '{"version":"1.0.0"}' : 'ok');
          if (req.headers.authorization !== `Bearer ${tokens.get(slug)}`) {
            res.statusCode = 401;
            return void res.end();
          }
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ challenge_slug: slug, weights: { [hotkeys[index]!]: 1 } }));
        }),
      );
    }
    const tokensDir = path.join(dir, 'tokens');
    await mkdir(tokensDir, { mode: 0o700 });
    for (const [slug, token] of tokens) await writeFile(path.join(tokensDir, slug), `${token}\n`, { mode: 0o400 });
    const keyFile = path.join(dir, 'signing.seed');
    await writeFile(keyFile, `${u8aToHex(randomBytes(32))}\n`, { mode: 0o600 });
    const desired = path.join(dir, 'subnet.yaml');
    await writeFile(
      desired,
      stringify({
        version: 1,
        subnet: { name: 'browser-test', netuid: 3, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: EPOCH_SECONDS },
        master: { image: '127.0.0.1:5000/base/master:latest' },
        networks: [{ name: 'browser-test-net', encrypted: true }],
        challenges: SLUGS.map((slug) => ({ slug, name: slug[0]!.toUpperCase() + slug.slice(1), image: '127.0.0.1:5000/c:1.0.0', status: 'active', emission_percent: 40 })),
        development_metagraph: { [hotkeys[0]!]: 1, [hotkeys[1]!]: 2 },
      }),
    );
    const stateDir = path.join(dir, 'state');
    await mkdir(stateDir, { mode: 0o700 });

    // Seed the development store (the state folder's SQLite file) with 47 sealed epochs, chained, before the loop's.
    const key = await loadSigningKey(keyFile);
    const store = await openStore({ environment: 'development', stateDir });
    const current = Math.floor(Date.now() / 1000 / EPOCH_SECONDS);
    let previous: { epoch: number; digest: string } | null = null;
    for (let epoch = current - 47; epoch < current; epoch++) {
      const sealed = await sealVector(seededVector(epoch, hotkeys, previous), key);
      await store.sealVector(epoch, sealed.digest, sealed);
      previous = { epoch, digest: sealed.digest };
    }
    await store.close();

    child = execa(
      process.execPath,
      [path.join(ROOT, 'bin/base.mjs'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--desired', desired,
        '--upstream', `alpha=${servers.get('alpha')!.origin}`, '--upstream', `beta=${servers.get('beta')!.origin}`,
        '--signing-key-file', keyFile, '--state-dir', stateDir, '--probe-interval', '1'],
      { cwd: ROOT, reject: false, env: { PATH: process.env.PATH ?? '', BASE_CHALLENGE_TOKENS_DIR: tokensDir }, extendEnv: false },
    );
    let first: WeightsVector | null = null;
    for (let i = 0; i < 400 && first === null; i++) {
      const latest = await getJson<WeightsVector>(`${origin}/v1/weights/latest`).catch(() => null);
      if (latest?.status === 200) first = latest.body;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(first, 'the loop sealed an epoch');
    // Let the prober see both challenges once.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    await mkdir(ARTIFACTS, { recursive: true });

    // ---- With scripts: the page equals /v1/registry and /v1/weights/latest.
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    const seen = observe(page, origin);
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.log(`csp-violation ${e.violatedDirective} ${e.blockedURI}`));
    });
    let view: Awaited<ReturnType<typeof shown>>;
    let latest: WeightsVector;
    for (let attempt = 0; ; attempt++) {
      await page.goto(`${origin}/`, { waitUntil: 'load' });
      view = await shown(page);
      latest = (await getJson<WeightsVector>(`${origin}/v1/weights/latest`)).body;
      if (view.epoch === latest.epoch || attempt >= 2) break; // an epoch boundary passed between the two reads
    }
    const registry = (await getJson<RegistryDocument>(`${origin}/v1/registry`)).body;
    assert.deepEqual(view.rows.map((r) => r.slug), registry.challenges.map((c) => c.slug));
    assert.deepEqual(view.rows.map((r) => r.status), registry.challenges.map((c) => c.status));
    assert.deepEqual(view.rows.map((r) => r.emission), registry.challenges.map((c) => Number(c.emission_percent)));
    assert.deepEqual(view.rows.map((r) => r.probe), ['ok', 'ok']);
    assert.equal(view.epoch, latest.epoch);
    assert.equal(view.digest, latest.digest);
    assert.deepEqual(view.rows.map((r) => r.outcome), latest.source_challenges.map((s) => s.outcome));
    assert.deepEqual(view.rows.map((r) => Number(r.hotkeys)), latest.source_challenges.map((s) => s.hotkey_count));
    assert.equal(view.burnShare.split(' ')[0], '20.00%');
    // The picture: alpha 40 %, beta 40 %, burn 20 %, drawn to scale.
    assert.deepEqual(view.splitSlices.map((s) => [s.slug, Number(s.share.toFixed(9))]), [['alpha', 0.4], ['beta', 0.4], ['', 0.2]]);
    assert.ok(Math.abs(view.splitSlices[0]!.width / view.splitSlices[2]!.width - 2) < 0.01);
    assert.ok(view.topUidBars >= 3, 'a bar per uid');
    assert.equal(view.historyEpochs.length, 48);
    assert.equal(view.historyEpochs.at(-1), latest.epoch);
    assert.equal(view.background, 'rgb(255, 255, 255)');
    const light = path.join(ARTIFACTS, 'status-page.png');
    await page.screenshot({ path: light, fullPage: true });

    // ---- Without scripts: the same content, rendered on the server.
    const noScript = await browser.newContext({ javaScriptEnabled: false, colorScheme: 'dark' });
    const plain = await noScript.newPage();
    const seenPlain = observe(plain, origin);
    await plain.goto(`${origin}/`, { waitUntil: 'load' });
    assert.equal(await plain.locator('#challenges tbody tr[data-slug]').count(), 2);
    assert.match((await plain.locator('#vector-epoch').textContent()) ?? '', /^\d+$/);
    assert.equal(await plain.locator('#h-split ~ figure svg rect[data-share]').count(), 3);
    assert.equal(await plain.locator('#h-history ~ figure svg g[data-epoch]').count(), 48);
    assert.equal(await plain.locator('#refresh-state').textContent(), '', 'no script ran');
    const dark = path.join(ARTIFACTS, 'status-page-dark-no-script.png');
    await plain.screenshot({ path: dark, fullPage: true });
    await noScript.close();

    // ---- Beta is made to fail: the page refreshes itself each epoch: carried from epoch N, then failed (its share burns).
    const lastGood = (await getJson<WeightsVector>(`${origin}/v1/weights/latest`)).body.epoch;
    betaFails = true;
    await page.waitForFunction(
      () => document.querySelector('tr[data-slug="beta"] td[data-outcome]')?.dataset.outcome === 'carried',
      undefined,
      { timeout: 4 * EPOCH_SECONDS * 1000 },
    );
    const carried = await shown(page);
    assert.match(carried.rows[1]!.outcomeText, /^carried from epoch \d+ \(/);
    assert.ok(Number(/epoch (\d+)/.exec(carried.rows[1]!.outcomeText)![1]) >= lastGood);
    assert.match(carried.refreshState, /^Updated /);
    await page.waitForFunction(
      () => document.querySelector('tr[data-slug="beta"] td[data-outcome]')?.dataset.outcome === 'failed',
      undefined,
      { timeout: 6 * EPOCH_SECONDS * 1000 },
    );
    const failed = await shown(page);
    const now = (await getJson<WeightsVector>(`${origin}/v1/weights/latest`)).body;
    assert.ok(failed.epoch === now.epoch || failed.epoch === now.epoch - 1, `page epoch ${failed.epoch}, latest ${now.epoch}`);
    assert.match(failed.rows[1]!.outcomeText, /^failed \(/);
    assert.equal(failed.rows[1]!.probe, 'failing');
    assert.deepEqual(failed.splitSlices.map((s) => [s.slug, Number(s.share.toFixed(9))]), [['alpha', 0.4], ['', 0.6]]);
    assert.equal(failed.burnShare.split(' ')[0], '60.00%');
    const afterFailure = path.join(ARTIFACTS, 'status-page-after-failure.png');
    await page.screenshot({ path: afterFailure, fullPage: true });

    for (const s of [seen, seenPlain]) {
      assert.deepEqual(s.consoleErrors, [], 'no console errors (CSP violations are console errors)');
      assert.deepEqual(s.violations, []);
      assert.deepEqual(s.foreignRequests, [], 'no request to another origin');
    }
    assert.ok(seen.requests.includes(`${origin}/status-page.js`), 'the refresh script came from the page origin');
    assert.ok(seen.requests.filter((u) => u === `${origin}/`).length >= 3, 'the script re-fetched the page');
    for (const file of [light, dark, afterFailure]) {
      t.diagnostic(`screenshot: ${file}`);
      console.log(`screenshot: ${file}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    if (child) {
      child.kill('SIGTERM');
      await child;
    }
    await Promise.all([...servers.values()].map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
});
