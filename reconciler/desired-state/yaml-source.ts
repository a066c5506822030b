/**
 * Reads desired-state YAML into plain data while keeping the syntax tree, so every later problem can be placed at a
 * line and column. YAML-level trouble (syntax, duplicate keys, tabs, emptiness, several documents, alias abuse)
 * becomes Problems here, never an exception.
 */
import { Document, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Node, Pair, ParsedNode, YAMLError } from 'yaml';
import type { Problem } from './problem.ts';

/** Aliases may share a block or two; a document that multiplies them (a "billion laughs") is rejected. */
export const MAX_ALIAS_COUNT = 64;

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain JSON-like data. */
  data: unknown;
}

export type YamlReadResult = { ok: true; source: YamlSource } | { ok: false; problems: Problem[] };

export type PathSegment = string | number;

const TOP_LEVEL_HINT = 'a mapping with version, subnet, master, networks and challenges';

export function readYaml(text: string, file: string): YamlReadResult {
  const lineCounter = new LineCounter();
  const problemAt = (offset: number, message: string, rule: string): Problem => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { file, line, column: col, path: '', message, rule };
  };

  // logLevel 'error': the library would otherwise print its own warnings (e.g. about collection keys) on stderr.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true, logLevel: 'error' });
  if (!Array.isArray(docs) || docs.length === 0) {
    return { ok: false, problems: [{ file, line: 1, column: 1, path: '', message: `the file is empty; expected ${TOP_LEVEL_HINT}`, rule: 'yaml.empty' }] };
  }
  const problems: Problem[] = [];
  for (const doc of docs) {
    for (const error of doc.errors) {
      const unclosed = error.code === 'MISSING_CHAR' && /quote/.test(error.message) ? unclosedQuoteStart(doc, error.pos[0]) : undefined;
      if (unclosed !== undefined) {
        const quote = text[unclosed] ?? '"';
        problems.push(problemAt(unclosed, `YAML syntax error: this quoted string is never closed; expected a closing ${quote}`, 'yaml.missing-char'));
      } else {
        problems.push(problemAt(error.pos[0], describeYamlError(error, text), `yaml.${ruleName(error.code)}`));
      }
    }
    for (const warning of doc.warnings) problems.push(problemAt(warning.pos[0], `YAML: ${firstLine(warning.message)}`, `yaml.${ruleName(warning.code)}`));
  }
  const [doc, second] = docs;
  if (second) {
    const start = second.range[0];
    problems.push(problemAt(start, 'found a second YAML document; expected exactly one document in the file', 'yaml.multiple-documents'));
  }
  if (problems.length > 0 || !doc) return { ok: false, problems };

  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    const offset = contents?.range[0] ?? 0;
    return { ok: false, problems: [problemAt(offset, `the document is empty; expected ${TOP_LEVEL_HINT}`, 'yaml.empty')] };
  }
  if (!isMap(contents)) {
    const found = isSeq(contents) ? 'a list' : isAlias(contents) ? 'an alias' : `the scalar ${JSON.stringify(isScalar(contents) ? String(contents.value) : '')}`;
    return { ok: false, problems: [problemAt(contents.range[0], `found ${found} at the top level; expected ${TOP_LEVEL_HINT}`, 'yaml.not-a-mapping')] };
  }

  // Unresolved aliases only fail inside toJS(); find them first so they get a position. (No '*', no alias.)
  if (text.includes('*')) visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) === undefined) {
        problems.push(problemAt(alias.range?.[0] ?? 0, `alias *${alias.source} refers to no anchor defined before it`, 'yaml.unresolved-alias'));
      }
    },
  });
  if (problems.length > 0) return { ok: false, problems };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    let offset = 0;
    visit(doc, {
      Alias(_key, alias) {
        offset = alias.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const detail = error instanceof Error ? error.message : String(error);
    const message = /alias count/i.test(detail)
      ? `aliases expand to too much data (more than ${MAX_ALIAS_COUNT} resolved aliases); write the values out or use fewer aliases`
      : `YAML: ${firstLine(detail)}`;
    return { ok: false, problems: [problemAt(offset, message, 'yaml.aliases')] };
  }
  return { ok: true, source: { file, doc, lineCounter, data } };
}

/** Where the quoted scalar that runs into `errorOffset` (usually the end of the file) opens. */
function unclosedQuoteStart(doc: Document.Parsed, errorOffset: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_key, scalar) {
      const range = scalar.range;
      if (range && (scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE') && range[0] < errorOffset && range[1] >= errorOffset) start = range[0];
    },
  });
  return start;
}

function describeYamlError(error: YAMLError, text: string): string {
  switch (error.code) {
    case 'DUPLICATE_KEY': {
      const key = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^:#\n]*?)\s*:/.exec(text.slice(error.pos[0], error.pos[0] + 300))?.[1];
      return `duplicate key${key ? ` ${key.startsWith('"') || key.startsWith("'") ? key : JSON.stringify(key)}` : ''}; each key may appear only once in a mapping`;
    }
    case 'TAB_AS_INDENT':
      return 'found a tab used for indentation; YAML indentation must use spaces';
    default:
      return `YAML syntax error: ${firstLine(error.message)}`;
  }
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

function ruleName(code: string): string {
  return code.toLowerCase().replace(/_/g, '-');
}

/**
 * The 1-based line/column of the node at `path` (its key when `target` is 'key'). When the path does not exist
 * (say, a default filled in by the schema) the deepest node that does exist is used.
 */
export function locate(source: YamlSource, path: readonly PathSegment[], target: 'value' | 'key' = 'value'): { line: number; column: number } {
  const { doc } = source;
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as PathSegment;
    node = resolveAlias(node, doc);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(node, String(segment), doc, 0);
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      if (last && target === 'key' && keyStart !== undefined) {
        offset = keyStart;
        break;
      }
      node = pair.value;
      // An alias is reported where it is used, not where its anchor was defined.
      offset = rangeStart(node) ?? keyStart ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  const { line, col } = source.lineCounter.linePos(offset);
  return { line, column: col };
}

function resolveAlias(node: unknown, doc: Document.Parsed): unknown {
  for (let hops = 0; isAlias(node) && hops < 16; hops++) node = node.resolve(doc);
  return node;
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    return range ? range[0] : undefined;
  }
  return undefined;
}

/** A key's pair in a mapping, following `<<` merge keys (last match wins, as duplicate keys are rejected anyway). */
function findPair(map: ParsedNode | Node, key: string, doc: Document.Parsed, depth: number): Pair<unknown, unknown> | undefined {
  if (!isMap(map) || depth > 8) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key) return pair;
  }
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === '<<') {
      const merged = resolveAlias(pair.value, doc);
      const sources = isSeq(merged) ? merged.items.map((item) => resolveAlias(item, doc)) : [merged];
      for (const source of sources) {
        const found = findPair(source as Node, key, doc, depth + 1);
        if (found) return found;
      }
    }
  }
  return undefined;
}

