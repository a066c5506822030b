/**
 * Path fuzz through a real server: thousands of spellings of blocked routes (and of escapes to another slug) must
 * never reach the recording upstreams, while spellings of legitimate routes must reach them, at the canonical path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProxy, startUpstream } from './support.ts';
import type { RecordingUpstream, RunningProxy } from './support.ts';

const SEED = Number(process.env.PROXY_FUZZ_SEED ?? 20261122);

/** mulberry32: small deterministic PRNG so a failure can be replayed with PROXY_FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pct = (s: string, upper: boolean): string =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) => '%' + (upper ? b.toString(16).toUpperCase() : b.toString(16)).padStart(2, '0'))
    .join('');

/** Fullwidth form of a printable ASCII character (U+FF01..U+FF5E), NFKC-equivalent to it. */
const fullwidth = (c: string): string => String.fromCodePoint(c.charCodeAt(0) - 0x21 + 0xff01);

type Mutation = (segments: string[], rnd: () => number) => string[];
const pick = <T,>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;
const pickIndex = (xs: readonly unknown[], rnd: () => number): number => Math.floor(rnd() * xs.length);

/** Each mutation keeps the meaning of the path for a lenient upstream (decoding, folding, normalizing). */
const MUTATIONS: Mutation[] = [
  // random case changes
  (segs, rnd) => segs.map((s) => Array.from(s, (c) => (rnd() < 0.5 ? c.toUpperCase() : c)).join('')),
  // percent-encode random characters (one encoding level)
  (segs, rnd) => segs.map((s) => Array.from(s, (c) => (rnd() < 0.35 ? pct(c, rnd() < 0.5) : c)).join('')),
  // double / triple encoding of one character
  (segs, rnd) => {
    const candidates = segs.flatMap((seg, k) => (seg === '' ? [] : [k]));
    if (candidates.length === 0) return segs;
    const i = pick(candidates, rnd);
    const s = segs[i]!;
    const j = Math.floor(rnd() * s.length);
    const levels = rnd() < 0.6 ? 2 : 3;
    let enc = pct(s[j]!, rnd() < 0.5);
    for (let l = 1; l < levels; l++) enc = enc.replace(/%/g, '%25');
    const out = [...segs];
    out[i] = s.slice(0, j) + enc + s.slice(j + 1);
    return out;
  },
  // dot segments: x/../ and ./ inserted before a segment
  (segs, rnd) => {
    const out = [...segs];
    const i = pickIndex(out, rnd);
    out.splice(i, 0, ...(rnd() < 0.5 ? ['junk', '..'] : ['.']));
    return out;
  },
  // encoded dot segments
  (segs, rnd) => {
    const out = [...segs];
    out.splice(pickIndex(out, rnd), 0, 'a', pick(['%2e%2e', '%2E%2E', '.%2e', '%252e%252e', '..;', '%2e%2e;x=1'], rnd));
    return out;
  },
  // doubled slashes (empty segments)
  (segs, rnd) => {
    const out = [...segs];
    out.splice(pickIndex(out, rnd), 0, '', ...(rnd() < 0.5 ? [''] : []));
    return out;
  },
  // trailing slash, trailing dot, trailing ;param, trailing encoded space, an encoded `?` or `#` (a server decoding
  // twice would end the path there)
  (segs, rnd) => {
    const out = [...segs];
    const last = out.length - 1;
    // Appending a dot to something ending in a dot would form `..` (going up): not the same route any more.
    const endsWithDot = /(\.|%2e)$/i.test(out[last]!);
    out[last] = out[last]! + pick(endsWithDot ? ['/', '//', ';a=b', '%3Bx', '%20', '%3Fq', '%23f', '#f'] : ['/', '//', '.', '%2e', ';a=b', '%3Bx', '%20', '/.', '%3Fq', '%23f', '#f', '%253Fq'], rnd);
    return out;
  },
  // join two segments with an encoded, double-encoded or look-alike separator, or a backslash
  (segs, rnd) => {
    if (segs.length < 2) return [segs[0]! + pick(['/', '%2F', '%5C'], rnd)];
    const i = Math.floor(rnd() * (segs.length - 1));
    const sep = pick(['%2F', '%2f', '%252F', '%5C', '%5c', '\\', pct('\uff0f', true), pct('\uff3c', false), pct('\u2215', true), pct('\ufe68', true)], rnd);
    return [...segs.slice(0, i), segs[i]! + sep + segs[i + 1]!, ...segs.slice(i + 2)];
  },
  // fullwidth / look-alike letters and dots, percent-encoded UTF-8
  (segs, rnd) =>
    segs.map((s) =>
      Array.from(s, (c) => (/[a-z.-]/i.test(c) && rnd() < 0.3 ? pct(fullwidth(c), rnd() < 0.5) : c)).join(''),
    ),
  // dotless i, long s, Kelvin sign, zero-width space: fold onto ASCII
  (segs, rnd) =>
    segs.map((s) =>
      Array.from(s, (c) => {
        if (c === 'i' && rnd() < 0.5) return pct('\u0131', true);
        if (c === 's' && rnd() < 0.5) return pct('\u017f', true);
        if (c === 'k' && rnd() < 0.5) return pct('\u212a', true);
        if (rnd() < 0.05) return c + pct('\u200b', true);
        return c;
      }).join(''),
    ),
];

const BLOCKED_ROUTES = [
  'health',
  'version',
  'internal',
  'internal/config',
  'internal/a/b/c',
  'benchmark-executions',
  'benchmark-executions/17/logs',
  'benchmark/run',
  'benchmarks/run',
  'benchmark/x/execute',
  'benchmarks/abc/launch',
  'benchmarks/a/b/c/run',
];

/** Sub-paths that try to leave /challenges/agent and reach /challenges/other. */
const ESCAPES = ['../other/x', '../other/health', 'x/../../other/y', '../../challenges/other/z'];

/** Sub-paths close to blocked ones that are legitimate, with the canonical path the upstream must see. */
const LEGITIMATE: Array<[string, string]> = [
  ['healthz', '/healthz'],
  ['health/details', '/health/details'],
  ['version/2', '/version/2'],
  ['v1/version', '/v1/version'],
  ['internals', '/internals'],
  ['x/internal', '/x/internal'],
  ['benchmarks', '/benchmarks'],
  ['benchmarks/42', '/benchmarks/42'],
  ['benchmark/run/status', '/benchmark/run/status'],
  ['benchmark-execution', '/benchmark-execution'],
  ['runs/run', '/runs/run'],
  ['submissions/1/launch', '/submissions/1/launch'],
];
/** Mutations that keep a legitimate path legitimate and canonicalize to the same path. */
const SAFE_FOR_LEGIT = [1, 2, 3, 4, 5]; // encoding, double encoding, dot segments, encoded dots, doubled slashes

function mutate(base: string, rnd: () => number, allowed: readonly number[]): string {
  let segs = base.split('/');
  const rounds = 1 + Math.floor(rnd() * 3);
  for (let r = 0; r < rounds; r++) segs = MUTATIONS[pick(allowed, rnd)]!(segs, rnd);
  return segs.join('/');
}

function prefixVariant(rnd: () => number): string {
  return pick(['/challenges/agent/', '/challenges/agent//', '//challenges/agent/', '/Challenges/agent/', '/challenges//agent/', '/challenges/agent/./'], rnd);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function runAll(port: number, paths: string[]): Promise<number[]> {
  const out = new Array<number>(paths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < paths.length) {
        const i = next++;
        out[i] = await status(port, paths[i]!);
      }
    }),
  );
  return out;
}

let target: RecordingUpstream;
let other: RecordingUpstream;
let proxy: RunningProxy;

before(async () => {
  target = await startUpstream();
  other = await startUpstream();
  proxy = await startProxy({ agent: target.origin, other: other.origin });
});
after(async () => {
  agent.destroy();
  await proxy.close();
  await target.close();
  await other.close();
});

test(`≥ 1,000 spellings of blocked routes never reach the upstream (seed ${SEED})`, async () => {
  const rnd = prng(SEED);
  const all = MUTATIONS.map((_, i) => i);
  const variants = new Set<string>();
  for (const route of BLOCKED_ROUTES) {
    variants.add('/challenges/agent/' + route);
    for (let m = 0; m < MUTATIONS.length; m++) variants.add('/challenges/agent/' + mutate(route, rnd, [m]));
  }
  for (const escape of ESCAPES) {
    for (let k = 0; k < 30; k++) variants.add('/challenges/agent/' + mutate(escape, rnd, SAFE_FOR_LEGIT));
  }
  while (variants.size < 1_500) {
    variants.add(prefixVariant(rnd) + mutate(pick(BLOCKED_ROUTES, rnd), rnd, all) + (rnd() < 0.2 ? '?a=1' : ''));
  }
  const paths = [...variants];
  const statuses = await runAll(proxy.port, paths);

  const wrong = paths.filter((_, i) => statuses[i] !== 403 && statuses[i] !== 400);
  if (process.env.PROXY_FUZZ_DEBUG) console.log(wrong);
  const reached = [...target.requests, ...other.requests].map((r) => r.url);
  assert.deepEqual(reached, [], `blocked variants reached an upstream: ${reached.slice(0, 10).join(' ')}`);
  assert.deepEqual(wrong.slice(0, 10), [], `expected 403 (or 400 for undecodable) for ${wrong.length} variants`);
  const forbidden = statuses.filter((s) => s === 403).length;
  assert.ok(forbidden > paths.length * 0.9, `most variants should be 403, got ${forbidden}/${paths.length}`);
  assert.ok(paths.length >= 1_000);
});

test('spellings of legitimate routes do reach the upstream at their canonical path', async () => {
  const rnd = prng(SEED + 1);
  const cases: Array<[string, string]> = [];
  for (const [route, canonical] of LEGITIMATE) {
    cases.push(['/challenges/agent/' + route, canonical]);
    for (let k = 0; k < 15; k++) cases.push(['/challenges/agent/' + mutate(route, rnd, SAFE_FOR_LEGIT), canonical]);
  }
  target.requests.length = 0;
  for (const [path, canonical] of cases) {
    const before = target.requests.length;
    const s = await status(proxy.port, path);
    assert.equal(s, 200, `legitimate ${path} answered ${s}`);
    assert.equal(target.requests.length, before + 1, path);
    assert.equal(target.requests.at(-1)!.url, canonical, path);
  }
  assert.equal(other.requests.length, 0);
});
