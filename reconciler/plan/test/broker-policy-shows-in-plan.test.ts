import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { compileEdited, compileFixture, convergedLive, fixtureText, liveService } from './support/fixtures.ts';

const BROKER = { image: '127.0.0.1:5000/base/broker:0.1.0', datasets: [{ name: 'fineweb', version: '2026-06-19', path: '/srv/datasets/fineweb' }] };
const GRANT = { images: ['127.0.0.1:5000/base/alpha-eval'], classes: ['cpu'], max_concurrent: 2 };

function changedFromConverged(mutate: Parameters<typeof compileEdited>[0]) {
  const converged = compileFixture(fixtureText('converged.yaml'));
  return plan(compileEdited(mutate), convergedLive(converged)).changes.filter((c) => c.action !== 'no-op');
}

test("granting a challenge jobs is a no-restart label naming every limit, defaults filled in", () => {
  const changed = changedFromConverged((doc) => {
    doc.broker = BROKER;
    doc.challenges[0].jobs = GRANT;
  });
  assert.deepEqual(
    changed.map((c) => [c.name, c.impact, c.diffs.map((d) => [d.path, d.before, d.after])]),
    [
      [
        't-plan-challenge-alpha',
        'no-restart',
        [
          [
            'Labels["base.challenge.jobs-policy"]',
            undefined,
            'images=127.0.0.1:5000/base/alpha-eval; classes=cpu; concurrent=2; queued=0; gpus=0; network=isolated; ' +
              'per-job cpus=2 memory=4g pids=512 gpus=0 timeout=900s input=4MiB log=5MiB artifacts=64MiB',
          ],
        ],
      ],
    ],
  );
});

test('raising one per-job limit shows as that label changing, before and after', () => {
  const granted = compileEdited((doc) => {
    doc.broker = BROKER;
    doc.challenges[0].jobs = GRANT;
  });
  const grantedAlpha = granted.find((i) => i.kind === 'service' && i.name === 't-plan-challenge-alpha');
  assert.ok(grantedAlpha?.kind === 'service');
  // The live Swarm as the granted file left it: alpha carries the granted policy label.
  const live = convergedLive(compileFixture(fixtureText('converged.yaml')));
  const alpha = liveService(live, 't-plan-challenge-alpha');
  alpha.Spec.Labels = { ...alpha.Spec.Labels, 'base.challenge.jobs-policy': grantedAlpha.spec.Labels?.['base.challenge.jobs-policy'] ?? '' };
  const raised = compileEdited((doc) => {
    doc.broker = BROKER;
    doc.challenges[0].jobs = { ...GRANT, per_job: { max_memory: '16g', allow_users: ['65534:65534'] } };
  });
  const [change, ...rest] = plan(raised, live).changes.filter((c) => c.action !== 'no-op');
  assert.equal(rest.length, 0);
  assert.equal(change?.impact, 'no-restart');
  assert.deepEqual(change?.diffs.map((d) => d.path), ['Labels["base.challenge.jobs-policy"]']);
  const [diff] = change?.diffs ?? [];
  assert.match(String(diff?.before), / memory=4g /);
  assert.match(String(diff?.after), / memory=16g .* users=65534:65534$/);
});

test('a worker carrying a dataset gets base.dataset.<name>=<version> as a managed node label', () => {
  const changed = changedFromConverged((doc) => {
    doc.broker = BROKER;
    doc.workers[0].datasets = ['fineweb'];
  });
  const node = changed.find((c) => c.kind === 'node');
  assert.deepEqual(node?.diffs.map((d) => [d.path, d.before, d.after]), [
    ['labels["base.dataset.fineweb"]', undefined, '2026-06-19'],
    ['labels["base.managed-labels"]', 'base.workload,region', 'base.dataset.fineweb,base.workload,region'],
  ]);
});
