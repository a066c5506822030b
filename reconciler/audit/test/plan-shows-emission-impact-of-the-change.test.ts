/**
 * `base plan --against REF --emission-impact URL`, as the pull-request workflow runs it: the service plan, then the
 * emission impact replayed from a master's sealed epochs (a real epoch loop and master routes over SQLite) with the
 * changed file's shares; with an unreachable master, one clear line and the same service plan.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { auditBed, EPOCH, type AuditBed } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid', NO_COLOR: '1' };
let bed: AuditBed;
let repo = '';
let file = '';
const base = (...args: string[]) => execa(process.execPath, [path.join(ROOT, 'bin/base.mjs'), ...args], { cwd: repo, env, reject: false });

before(async () => {
  bed = await auditBed(); // alpha 60 %, beta 30 %, as sealed
  await bed.seal(EPOCH, EPOCH + 1);
  repo = await mkdtemp(path.join(tmpdir(), 'base-emission-impact-'));
  file = path.join(repo, 'desired-state', 'subnet.yaml');
  const git = (...args: string[]) => execa('git', args, { cwd: repo, env });
  await git('init', '-q', '-b', 'main');
  await mkdir(path.dirname(file));
  const fixture = await readFile(path.join(ROOT, 'reconciler/plan/test/fixtures/converged.yaml'), 'utf8');
  await writeFile(file, fixture);
  await git('add', '.');
  await git('commit', '-q', '-m', 'desired state');
  // The pull request: alpha 40 % → 30 %, beta stays 30 %.
  await writeFile(file, fixture.replace('emission_percent: 40', 'emission_percent: 30'));
});
after(async () => {
  await bed.close();
  await rm(repo, { recursive: true, force: true });
});

test('the Markdown comment has the service plan, then the weights before → after replayed from the master', async () => {
  const run = await base('plan', file, '--against', 'HEAD', '--markdown', '--emission-impact', bed.master.url);
  assert.equal(run.exitCode, 0, run.stderr);
  const [plan, impact] = run.stdout.split('\n### Emission impact\n');
  assert.match(plan!, /^### Base plan: .*\(against HEAD\)/);
  assert.match(plan!, /challenge-alpha/);
  assert.ok(impact, run.stdout);
  assert.match(impact!, new RegExp(`Replay of 2 sealed epochs ${EPOCH}\\.\\.${EPOCH + 1} from ${bed.master.url.replace(/[.]/g, '\\.')} with this file's shares`));
  assert.match(impact!, /\| `alpha` \| 60% \| 30% \| loses share \|/);
  assert.match(impact!, /\| `beta` \| 30% \| 30% \| unchanged \|/);
  // alpha's 30 points no longer land: 10 % burned before, 40 % after.
  assert.match(impact!, /\*\*Burn \(uid 0\): 10\.000% → 40\.000% \(\+30\.000 pp\)\*\*/);
  const hotkey = bed.subnet.hotkeys[5]!; // uid 6: only alpha scores it (6 of alpha's 21)
  assert.match(impact!, new RegExp(`\\| 6 \\| \`${hotkey.slice(0, 8)}…${hotkey.slice(-4)}\` \\| 17\\.143% \\| 8\\.571% \\| -8\\.571 pp \\|`));

  const json = await base('plan', file, '--against', 'HEAD', '--json', '--emission-impact', bed.master.url, '--emission-epochs', '1');
  assert.equal(json.exitCode, 0, json.stderr);
  const document = JSON.parse(json.stdout);
  assert.equal(document.format_version, 1, 'still the plan document');
  assert.deepEqual(document.emission_impact.epochs, [EPOCH + 1]);
  assert.equal(document.emission_impact.status, 'ok');
  assert.ok(Math.abs(document.emission_impact.burn.after - 0.4) < 1e-12);
});

test('an unreachable master: one clear line after the same service plan, exit status unchanged', async () => {
  const reachable = await base('plan', file, '--against', 'HEAD', '--markdown');
  const run = await base('plan', file, '--against', 'HEAD', '--markdown', '--emission-impact', 'http://127.0.0.1:9');
  assert.equal(run.exitCode, 0, run.stderr);
  const [plan, impact] = run.stdout.split('\n### Emission impact\n');
  assert.equal(plan, `${reachable.stdout}\n`, 'the service plan is printed as without --emission-impact');
  assert.match(impact!, /^\n> ⚠️ Emission impact not computed: the master http:\/\/127\.0\.0\.1:9 could not be asked \(GET http:\/\/127\.0\.0\.1:9\/v1\/weights\/latest: .+\); the service plan is complete without it\.\n$/);

  const text = await base('plan', file, '--against', 'HEAD', '--emission-impact', 'http://127.0.0.1:9', '--detailed-exitcode');
  assert.equal(text.exitCode, 2, 'changes pending, as without the impact');
  assert.match(text.stdout, /\nEmission impact: not computed: the master http:\/\/127\.0\.0\.1:9 could not be asked/);
  const bad = await base('plan', file, '--against', 'HEAD', '--emission-impact', 'master.example');
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /--emission-impact: expected the master's URL \(http:\/\/ or https:\/\/\), found "master\.example"/);
});

test('the pull-request workflow step adds the impact only when the BASE_MASTER_URL variable is set', async () => {
  const { parse } = await import('yaml');
  const { symlink } = await import('node:fs/promises');
  const workflow = parse(await readFile(path.join(ROOT, '.github/workflows/plan.yml'), 'utf8'));
  const job = workflow.jobs.plan;
  assert.equal(job.env.BASE_MASTER_URL, '${{ vars.BASE_MASTER_URL }}');
  const step = job.steps.find((s: { name?: string }) => s.name === 'Plan against the base branch');
  // The step's own script, run by bash in a scratch folder whose bin/ is the project's (comment.md lands there).
  const scratch = await mkdtemp(path.join(tmpdir(), 'base-plan-step-'));
  try {
    await symlink(path.join(ROOT, 'bin'), path.join(scratch, 'bin'));
    let runs = 0;
    const runStep = async (masterUrl: string) => {
      runs += 1;
      const summary = path.join(scratch, `summary-${runs}.md`);
      const result = await execa('bash', ['-e', '-c', step.run], {
        cwd: scratch,
        env: { ...env, FILE: file, BASE_REF: 'HEAD', BASE_MASTER_URL: masterUrl, GITHUB_STEP_SUMMARY: summary },
        reject: false,
      });
      assert.equal(result.exitCode, 0, result.stderr);
      const comment = await readFile(path.join(scratch, 'comment.md'), 'utf8');
      assert.equal(await readFile(summary, 'utf8'), comment);
      return comment;
    };
    const without = await runStep('');
    assert.match(without, /^### Base plan: /);
    assert.ok(!without.includes('Emission impact'));
    const withMaster = await runStep(bed.master.url);
    assert.ok(withMaster.startsWith(without), 'the same service plan first');
    assert.match(withMaster, /\n### Emission impact\n\nReplay of 2 sealed epochs /);
    const unreachable = await runStep('http://127.0.0.1:9');
    assert.match(unreachable, /\n> ⚠️ Emission impact not computed: the master http:\/\/127\.0\.0\.1:9 could not be asked/);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});
