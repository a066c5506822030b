/**
 * Fuzzing by deterministic mutation: hundreds of broken variants of the example file. Whatever the input, parsing
 * never throws, and every rejection carries a real position and a message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import { parseDesiredState } from '../index.ts';

const EXAMPLE = readFileSync(new URL('../../../desired-state/subnet.yaml', import.meta.url), 'utf8');
const ANCHORS_EXAMPLE = readFileSync(new URL('../../../desired-state/examples/anchors.yaml', import.meta.url), 'utf8');
const MUTATIONS = 600;

/** mulberry32: small, seedable, good enough to pick mutations reproducibly. */
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

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const index = (random: Random, length: number): number => Math.floor(random() * length);

const GARBAGE = [':', '-', '[', ']', '{', '}', '"', "'", '\t', '&a', '*a', '!', '!!binary', '%', '@', '`', '|', '>', '#', ',', '?', '\u0000', 'é', '💥', '\r', '\n', '  ', '<<: *x', '---', '...'];
const VALUES: unknown[] = [0, -1, 1.5, 1e308, 'x', '', 'UPPER', null, true, false, [], {}, [1, 'a'], { a: 1 }, 'postgres://u:p@h/db', '12X', '.inf', 'registry/Repo:tag', 70000];

type Data = Record<string, unknown> | unknown[];
type Path = (string | number)[];

function paths(node: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(node)) node.forEach((child, i) => { out.push([...prefix, i]); paths(child, [...prefix, i], out); });
  else if (node && typeof node === 'object') for (const [k, child] of Object.entries(node)) { out.push([...prefix, k]); paths(child, [...prefix, k], out); }
  return out;
}

function parentOf(root: Data, path: Path): [Data, string | number] {
  let node: unknown = root;
  for (const segment of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[segment];
  return [node as Data, path[path.length - 1] as string | number];
}

const lineMutations: ((text: string, random: Random) => string)[] = [
  (text, random) => { const lines = text.split('\n'); lines.splice(index(random, lines.length), 1); return lines.join('\n'); },
  (text, random) => { const lines = text.split('\n'); const i = index(random, lines.length); lines.splice(i, 0, lines[i] ?? ''); return lines.join('\n'); },
  (text, random) => { const lines = text.split('\n'); const i = index(random, lines.length); const j = index(random, lines.length); [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? '']; return lines.join('\n'); },
  (text, random) => { const at = index(random, text.length + 1); return text.slice(0, at) + pick(random, GARBAGE) + text.slice(at); },
  (text, random) => { const at = index(random, text.length); return text.slice(0, at) + text.slice(at + 1 + index(random, 8)); },
  (text, random) => text.slice(0, index(random, text.length)),
  (text, random) => { const lines = text.split('\n'); const i = index(random, lines.length); lines[i] = random() < 0.5 ? ` ${lines[i]}` : (lines[i] ?? '').replace(/^ {1,2}/, ''); return lines.join('\n'); },
  (text, random) => { const lines = text.split('\n'); const i = index(random, lines.length); lines[i] = (lines[i] ?? '').replace(/:\s.*$/, `: ${JSON.stringify(pick(random, VALUES)) ?? 'null'}`); return lines.join('\n'); },
  (text, random) => { const lines = text.split('\n'); const i = index(random, lines.length); lines[i] = (lines[i] ?? '').replace(/([a-z_]+):/, (_m, key: string) => `${key.slice(1)}${key[0] ?? ''}:`); return lines.join('\n'); },
];

const dataMutations: ((root: Data, random: Random) => void)[] = [
  (root, random) => { const all = paths(root); const [parent, key] = parentOf(root, pick(random, all)); if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key as string]; },
  (root, random) => { const [parent, key] = parentOf(root, pick(random, paths(root))); (parent as Record<string | number, unknown>)[key] = structuredClone(pick(random, VALUES)); },
  (root, random) => {
    const all = paths(root);
    const [p1, k1] = parentOf(root, pick(random, all));
    const [p2, k2] = parentOf(root, pick(random, all));
    const a = (p1 as Record<string | number, unknown>)[k1];
    const b = (p2 as Record<string | number, unknown>)[k2];
    (p1 as Record<string | number, unknown>)[k1] = structuredClone(b);
    (p2 as Record<string | number, unknown>)[k2] = structuredClone(a);
  },
  (root, random) => {
    const lists = paths(root).filter((p) => Array.isArray(parentOf(root, p)[0]));
    if (lists.length === 0) return;
    const [parent, key] = parentOf(root, pick(random, lists));
    (parent as unknown[]).splice(key as number, 0, structuredClone((parent as unknown[])[key as number]));
  },
  (root, random) => { const [parent, key] = parentOf(root, pick(random, paths(root))); if (!Array.isArray(parent)) parent[`${String(key)}_x`] = 1; },
];

function mutate(seed: number, original: string): string {
  const random = prng(seed);
  let text = original;
  const rounds = 1 + index(random, 3);
  for (let round = 0; round < rounds; round++) {
    if (random() < 0.4) {
      const root = parseYaml(original) as Data;
      pick(random, dataMutations)(root, random);
      text = stringify(root);
    } else {
      text = pick(random, lineMutations)(text, random);
    }
  }
  return text;
}

/** Mutates `original` `count` times; returns how many variants were rejected and which rules fired. */
function runMutations(original: string, count: number, firstSeed: number): { rejected: number; rules: Set<string> } {
  let rejected = 0;
  const rules = new Set<string>();
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const text = mutate(seed, original);
    const lineCount = text.split('\n').length;
    let result: ReturnType<typeof parseDesiredState>;
    try {
      result = parseDesiredState(text, 'mutant.yaml');
    } catch (error) {
      assert.fail(`seed ${seed} threw ${String(error)}\n--- input ---\n${text}`);
    }
    if (result.ok) {
      assert.equal(typeof result.state.subnet.name, 'string', `seed ${seed}: valid result without a subnet name`);
      continue;
    }
    rejected++;
    assert.ok(result.problems.length > 0, `seed ${seed}: rejected without problems`);
    for (const problem of result.problems) {
      rules.add(problem.rule);
      const where = `seed ${seed}: ${JSON.stringify(problem)}`;
      assert.ok(Number.isInteger(problem.line) && problem.line >= 1 && problem.line <= lineCount + 1, where);
      assert.ok(Number.isInteger(problem.column) && problem.column >= 1, where);
      assert.ok(problem.message.trim().length > 0, where);
      assert.ok(problem.rule.length > 0, where);
      assert.equal(problem.file, 'mutant.yaml', where);
    }
  }
  if (process.env.MUTATION_STATS) console.log({ count, rejected, rules: [...rules].sort() });
  return { rejected, rules };
}

test(`${MUTATIONS} seeded mutations of the example never throw, and every rejection has a position and a message`, () => {
  const { rejected, rules } = runMutations(EXAMPLE, MUTATIONS, 1);
  // The mutations must actually break things, and break them in many different ways.
  assert.ok(rejected >= MUTATIONS / 2, `only ${rejected} of ${MUTATIONS} mutations were rejected`);
  assert.ok(rules.size >= 15, `only ${rules.size} distinct rules fired: ${[...rules].join(', ')}`);
});

test('200 seeded mutations of the anchors-and-merge-keys example never throw either', () => {
  const { rejected } = runMutations(ANCHORS_EXAMPLE, 200, 10_001);
  assert.ok(rejected >= 100, `only ${rejected} of 200 mutations were rejected`);
});
