import { test } from 'node:test';
import { assertReports, type MalformedCase } from './assert-problem.ts';
import { ALPHA, HEADER, withChallenges } from './documents.ts';

const TOP = 'a mapping with version, subnet, master, networks and challenges';

const cases: MalformedCase[] = [
  { name: 'empty file', text: '', line: 1, column: 1, message: `the file is empty; expected ${TOP}`, rule: 'yaml.empty' },
  { name: 'only comments and blank lines', text: '# nothing yet\n\n   \n', line: 1, column: 1, message: `the file is empty; expected ${TOP}`, rule: 'yaml.empty' },
  { name: 'a document that is only "~"', text: '# c\n~\n', line: 2, column: 1, message: `the document is empty; expected ${TOP}`, rule: 'yaml.empty' },
  {
    name: 'duplicate key in a challenge',
    text: withChallenges(`${ALPHA}    name: Again\n`),
    line: 18,
    column: 5,
    message: 'duplicate key "name"; each key may appear only once in a mapping',
    rule: 'yaml.duplicate-key',
  },
  {
    name: 'duplicate top-level key',
    text: `${withChallenges()}version: 1\n`,
    line: 18,
    column: 1,
    message: 'duplicate key "version"; each key may appear only once in a mapping',
    rule: 'yaml.duplicate-key',
  },
  {
    name: 'tab used for indentation',
    text: withChallenges(ALPHA.replace('    status: active', '\tstatus: active')),
    line: 16,
    column: 1,
    message: 'found a tab used for indentation; YAML indentation must use spaces',
    rule: 'yaml.tab-as-indent',
  },
  {
    name: 'unclosed flow sequence',
    text: `${HEADER.replace('  - name: net-a\n', '  - [net-a,\n')}challenges: []\n`,
    line: 12,
    column: 1,
    message: 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    rule: 'yaml.bad-indent',
  },
  {
    name: 'nested mapping in a compact mapping',
    text: withChallenges(ALPHA.replace('name: Alpha', 'name: a: b')),
    line: 14,
    column: 11,
    message: 'YAML syntax error: Nested mappings are not allowed in compact mappings',
    rule: 'yaml.block-as-implicit-key',
  },
  {
    name: 'unclosed double quote',
    text: withChallenges(ALPHA.replace('name: Alpha', 'name: "Alpha')),
    line: 14,
    column: 11,
    message: 'YAML syntax error: this quoted string is never closed; expected a closing "',
    rule: 'yaml.missing-char',
  },
  {
    name: 'unclosed single quote spanning lines',
    text: withChallenges(ALPHA.replace('image: reg', "image: 'reg")),
    line: 15,
    column: 12,
    message: "YAML syntax error: this quoted string is never closed; expected a closing '",
    rule: 'yaml.missing-char',
  },
  {
    name: 'a list at the top level',
    text: '- version: 1\n- subnet: {}\n',
    line: 1,
    column: 1,
    message: `found a list at the top level; expected ${TOP}`,
    rule: 'yaml.not-a-mapping',
  },
  {
    name: 'a scalar at the top level',
    text: '# comment\nhello\n',
    line: 2,
    column: 1,
    message: `found the scalar "hello" at the top level; expected ${TOP}`,
    rule: 'yaml.not-a-mapping',
  },
  {
    name: 'two documents in one file',
    text: `${withChallenges()}---\nversion: 1\n`,
    line: 18,
    column: 1,
    message: 'found a second YAML document; expected exactly one document in the file',
    rule: 'yaml.multiple-documents',
  },
  {
    name: 'alias without an anchor',
    text: `${HEADER}challenges: *nothing\n`,
    line: 12,
    column: 13,
    message: 'alias *nothing refers to no anchor defined before it',
    rule: 'yaml.unresolved-alias',
  },
  {
    name: 'alias expansion bomb ("billion laughs")',
    text: 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
    line: 2,
    column: 8,
    message: 'aliases expand to too much data (more than 64 resolved aliases)',
    contains: true,
    rule: 'yaml.aliases',
  },
];

for (const c of cases) {
  test(`YAML problem is reported with its position: ${c.name}`, () => assertReports(c));
}

test('a file over the size limit is rejected before parsing', () => {
  assertReports({
    name: 'huge file',
    text: `${withChallenges()}# ${'x'.repeat(1024 * 1024)}\n`,
    line: 1,
    column: 1,
    message: 'expected at most 1048576 (a desired-state file is small and edited by hand)',
    contains: true,
    rule: 'file.too-large',
  });
});

test('a wrong value that comes from an alias is reported where the alias is used', () => {
  assertReports({
    name: 'alias used as a list item',
    text: withChallenges(`${ALPHA}    resources: &r { cpus: 1 }\n    secrets: [ok, *r]\n`),
    line: 19,
    column: 19,
    message: 'challenges[0].secrets[1]: found a mapping, expected a string',
    rule: 'schema.type',
  });
});

test('self-referencing anchors are rejected without hanging', () => {
  assertReports({
    name: 'list containing itself',
    text: withChallenges(`${ALPHA}    required_capabilities: &r [gpu, *r]\n`),
    line: 18,
    column: 37,
    message: 'challenges[0].required_capabilities[1]: found a list, expected a string',
    rule: 'schema.type',
  });
});
