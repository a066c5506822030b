import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredState } from '../index.ts';
import { assertReports } from './assert-problem.ts';
import { ALPHA, withChallenges } from './documents.ts';

/** The development challenge (lines 13-17), `hardening:` on line 18, `tmpfs:` on 19, its first entry on 20. */
const withTmpfs = (...entries: string[]): string => withChallenges(`${ALPHA}    hardening:\n      tmpfs:\n${entries.map((e) => `        ${e}\n`).join('')}`);
const problemsOf = (text: string): string[] => {
  const result = parseDesiredState(text, 'subnet.yaml');
  return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} [${p.rule}] ${p.message}`);
};

test('extra tmpfs paths with sizes, and a resized /tmp, are valid', () => {
  assert.deepEqual(problemsOf(withTmpfs('/var/cache: 256MiB', '/tmp: 1G', '/home/node/.cache: 1048576')), []);
});

for (const [path, covers] of [
  ['/data', "the challenge's data volume (/data)"],
  ['/data/wal', "the challenge's data volume (/data)"],
  ['/run/secrets', 'its secrets (/run/secrets)'],
  ['/', 'the root filesystem'],
  ['/proc', "the kernel's /proc"],
] as const) {
  test(`a tmpfs on ${path} is refused at its key`, () => {
    assertReports({
      name: path,
      text: withTmpfs(`${path}: 64MiB`),
      line: 20,
      column: 9,
      message: `challenges[0].hardening.tmpfs["${path}"]: found "${path}"; a tmpfs there would cover ${covers}, expected another absolute path, e.g. /var/cache`,
      rule: 'hardening-tmpfs-path',
    });
  });
}

test('a path with .. segments is refused (it could climb onto /data)', () => {
  assertReports({
    name: '..',
    text: withTmpfs('/var/../data: 64MiB'),
    line: 20,
    column: 9,
    message: 'expected an absolute path without "." or ".." segments, e.g. /var/cache',
    contains: true,
    rule: 'hardening-tmpfs-path',
  });
});

test('the same path twice (with a trailing slash) is refused at the second', () => {
  assertReports({
    name: 'twice',
    text: withTmpfs('/var/cache: 64MiB', '/var/cache/: 128MiB'),
    line: 21,
    column: 9,
    message: 'challenges[0].hardening.tmpfs["/var/cache/"]: found "/var/cache/", the same path as "/var/cache"; expected each tmpfs path once',
    rule: 'hardening-tmpfs-path',
  });
});

test('a size that does not parse, or is zero, is refused at the value', () => {
  assertReports({
    name: 'size',
    text: withTmpfs('/var/cache: lots'),
    line: 20,
    column: 21,
    message: 'challenges[0].hardening.tmpfs["/var/cache"]: found "lots", expected a size of more than 0 bytes like 256MiB, 1G or a number of bytes',
    rule: 'hardening-tmpfs-size',
  });
  assertReports({ name: 'zero', text: withTmpfs('/var/cache: 0'), line: 20, column: 21, message: 'found 0, expected a size of more than 0 bytes', contains: true, rule: 'hardening-tmpfs-size' });
});

test('the schema refuses a relative path', () => {
  const problems = problemsOf(withTmpfs('var/cache: 64MiB'));
  assert.ok(problems.some((p) => p.startsWith('20:') && p.includes('[schema.')), problems.join('\n'));
});
