/**
 * `base pin`: every image of a desired-state file given by tag gets its registry's manifest digest, written into the
 * file in place. Only the image scalars' own characters change: their positions come from the `yaml` Document API and
 * the rest of the text (comments, blank lines, quoting, key order) is kept byte for byte.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node, type YAMLMap } from 'yaml';
import { formatImageRef, parseImageRef } from '../desired-state/image-ref.ts';
import type { ImageRef } from '../desired-state/image-ref.ts';
import { RegistryError, resolveTagDigest, type ResolveOptions } from './registry-digest.ts';

export class PinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PinError';
  }
}

export interface ImageSite {
  /** e.g. `master.image`, `challenges[2].image` (the first place naming this scalar). */
  path: string;
  line: number;
  column: number;
  value: string;
  scalar: Scalar;
}

export type PinOutcome =
  | { site: ImageSite; action: 'pinned'; from: string; to: string }
  | { site: ImageSite; action: 'unchanged'; reason: string };

export interface PinResult {
  file: string;
  outcomes: PinOutcome[];
  /** New file text (equal to the old one when nothing changed). */
  text: string;
  changed: boolean;
}

export interface PinOptions extends ResolveOptions {
  /** Re-resolve every tagged image, also those already carrying a digest. */
  update?: boolean;
  /** Replaces the registry lookup (tests of the rewriting). */
  resolve?: (ref: ImageRef) => Promise<string>;
}

/** The map a merge key (`<<: *a` or `<<: [*a, *b]`) brings in, resolved through aliases. */
function mergeSources(doc: Document, map: YAMLMap): YAMLMap[] {
  const out: YAMLMap[] = [];
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (key !== '<<') continue;
    const values = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const value of values) {
      const target = isAlias(value) ? value.resolve(doc) : value;
      if (isMap(target)) out.push(target);
    }
  }
  return out;
}

/** The node holding `key` in `map`: its own pair first, then what merge keys bring in; aliases resolved. */
function valueNode(doc: Document, map: YAMLMap, key: string, depth = 0): Node | undefined {
  if (depth > 16) return undefined;
  const own = map.items.find((pair) => (isScalar(pair.key) ? pair.key.value : pair.key) === key);
  if (own) {
    const value = own.value as Node | null;
    return (isAlias(value) ? value.resolve(doc) : value) ?? undefined;
  }
  for (const source of mergeSources(doc, map)) {
    const found = valueNode(doc, source, key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The image scalars of the file (master, challenges and broker), each once even when anchors share it. */
export function findImageSites(text: string, file: string): { doc: Document; sites: ImageSite[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false, merge: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    const at = error.linePos?.[0];
    throw new PinError(`${file}:${at?.line ?? 1}:${at?.col ?? 1}: not valid YAML: ${error.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!isMap(root)) throw new PinError(`${file}:1:1: expected a mapping (a desired-state file)`);
  const candidates: Array<{ path: string; node: Node | undefined }> = [];
  const master = valueNode(doc, root, 'master');
  if (isMap(master)) candidates.push({ path: 'master.image', node: valueNode(doc, master, 'image') });
  const challenges = valueNode(doc, root, 'challenges');
  if (isSeq(challenges)) {
    challenges.items.forEach((item, index) => {
      const challenge = isAlias(item) ? item.resolve(doc) : item;
      if (isMap(challenge)) candidates.push({ path: `challenges[${index}].image`, node: valueNode(doc, challenge, 'image') });
    });
  }
  const broker = valueNode(doc, root, 'broker');
  if (isMap(broker)) candidates.push({ path: 'broker.image', node: valueNode(doc, broker, 'image') });
  const seen = new Set<Scalar>();
  const sites: ImageSite[] = [];
  for (const { path, node } of candidates) {
    if (node === undefined) continue;
    const pos = node.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
    if (!isScalar(node) || typeof node.value !== 'string') throw new PinError(`${file}:${pos.line}:${pos.col}: ${path}: expected an image reference string`);
    if (seen.has(node)) continue;
    seen.add(node);
    sites.push({ path, line: pos.line, column: pos.col, value: node.value, scalar: node });
  }
  return { doc, sites };
}

/** The scalar written back in the style it had. */
function renderScalar(scalar: Scalar, value: string, where: string): string {
  switch (scalar.type) {
    case Scalar.PLAIN:
    case undefined:
      return value;
    case Scalar.QUOTE_DOUBLE:
      return JSON.stringify(value);
    case Scalar.QUOTE_SINGLE:
      return `'${value.replace(/'/g, "''")}'`;
    default:
      throw new PinError(`${where}: the image is a ${scalar.type} block scalar; write it on one line to pin it`);
  }
}

/** The text with each site's scalar replaced by its new reference (same quoting); nothing else changes. */
export function rewriteImageValues(text: string, file: string, changes: ReadonlyArray<{ site: ImageSite; to: string }>): string {
  const edits = changes.map(({ site, to }) => {
    const where = `${file}:${site.line}:${site.column}`;
    const range = site.scalar.range;
    if (!range) throw new PinError(`${where}: ${site.path}: no source position for the image`);
    return { start: range[0], end: range[1], replacement: renderScalar(site.scalar, to, where) };
  });
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.replacement + out.slice(edit.end);
  return out;
}

/** Reads a desired-state file for rewriting; a missing or unreadable file is a PinError naming it. */
export async function readDesiredStateText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PinError(`${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})`}`);
  }
}

/** Replaces the file atomically (a temporary file renamed over it), keeping its mode. */
export async function replaceFileText(file: string, text: string): Promise<void> {
  const temp = `${file}.pin-${process.pid}.tmp`;
  const { mode } = await stat(file);
  await writeFile(temp, text, { mode });
  await rename(temp, file);
}

/** Works out the new text; reads the registry, writes nothing. */
export async function planPins(text: string, file: string, options: PinOptions = {}): Promise<PinResult> {
  const { sites } = findImageSites(text, file);
  const resolve = options.resolve ?? ((ref: ImageRef) => resolveTagDigest(ref, options));
  const lookups = new Map<string, Promise<string>>();
  const outcomes: PinOutcome[] = [];
  const failures: string[] = [];
  const changes: Array<{ site: ImageSite; to: string }> = [];

  await Promise.all(
    sites.map(async (site) => {
      const where = `${file}:${site.line}:${site.column}`;
      const ref = parseImageRef(site.value);
      if (!ref) {
        failures.push(`${where}: ${site.path}: ${JSON.stringify(site.value)} is not an image reference (registry/repository:tag@sha256:<64 hex>)`);
        return;
      }
      if (ref.digest && !options.update) {
        outcomes.push({ site, action: 'unchanged', reason: 'already pinned (use --update to re-resolve its tag)' });
        return;
      }
      if (ref.digest && !ref.tag) {
        outcomes.push({ site, action: 'unchanged', reason: 'pinned by digest only: no tag to resolve' });
        return;
      }
      const tagged: ImageRef = { ...ref, tag: ref.tag ?? 'latest' };
      delete tagged.digest;
      const key = formatImageRef(tagged);
      let pending = lookups.get(key);
      if (!pending) {
        pending = resolve(tagged);
        lookups.set(key, pending);
      }
      let digest: string;
      try {
        digest = await pending;
      } catch (error) {
        const message = error instanceof RegistryError || error instanceof PinError ? error.message : String((error as Error).message ?? error);
        failures.push(`${where}: ${site.path}: ${key}: ${message}`);
        return;
      }
      const to = formatImageRef({ ...tagged, digest });
      if (to === site.value) {
        outcomes.push({ site, action: 'unchanged', reason: 'digest is current' });
        return;
      }
      changes.push({ site, to });
      outcomes.push({ site, action: 'pinned', from: site.value, to });
    }),
  );
  if (failures.length > 0) throw new PinError(`nothing written; cannot pin:\n${failures.sort().join('\n')}`);

  const out = rewriteImageValues(text, file, changes);
  outcomes.sort((a, b) => a.site.line - b.site.line || a.site.column - b.site.column);
  return { file, outcomes, text: out, changed: out !== text };
}

/** Reads FILE, pins, and (unless dryRun) replaces it atomically keeping its mode. */
export async function pinFile(file: string, options: PinOptions & { dryRun?: boolean } = {}): Promise<PinResult> {
  const text = await readDesiredStateText(file);
  const result = await planPins(text, file, options);
  if (result.changed && !options.dryRun) await replaceFileText(file, result.text);
  return result;
}
