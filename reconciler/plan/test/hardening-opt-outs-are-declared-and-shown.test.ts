import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { renderText } from '../../render/text.ts';
import type { Intent, ServiceIntent } from '../model.ts';
import { plan } from '../plan.ts';
import { compileEdited, convergedLive, type FixtureDoc } from './support/fixtures.ts';

const ALPHA = 't-plan-challenge-alpha';
const withHardening = (hardening: Record<string, unknown>, more: (doc: FixtureDoc) => void = () => {}): Intent[] =>
  compileEdited((doc) => {
    doc.challenges[0].hardening = hardening;
    more(doc);
  });
const container = (intents: Intent[]) => (intents.find((i): i is ServiceIntent => i.kind === 'service' && i.name === ALPHA)!.spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;

/** The one change the edited file makes against the converged Swarm, and the plan's hardening warnings. */
function planned(intents: Intent[]) {
  const result = plan(intents, convergedLive());
  const updates = result.changes.filter((c) => c.action !== 'no-op');
  assert.deepEqual(updates.map((c) => `${c.action} ${c.name}`), [`update ${ALPHA}`]);
  const warnings = result.warnings.filter((w) => w.code === 'hardening-opt-out');
  return { change: updates[0]!, warnings, text: renderText(result, { color: false }) };
}

test('read_only: false makes the root writable, rolls tasks, and is a plan warning', () => {
  const intents = withHardening({ read_only: false });
  assert.equal(container(intents).ReadOnly, false);
  const { change, warnings, text } = planned(intents);
  assert.equal(change.impact, 'rolls-tasks');
  assert.deepEqual(change.diffs.map((d) => [d.path, d.before, d.after, d.rollsTasks]), [['TaskTemplate.ContainerSpec.ReadOnly', true, undefined, true]]);
  assert.deepEqual(warnings.map((w) => [w.name, w.message]), [[ALPHA, 'runs with less than the default hardening, as its hardening: section declares: read_only: false (writable root filesystem)']]);
  assert.match(text, /! service t-plan-challenge-alpha: runs with less than the default hardening.*read_only: false/);
});

test('capabilities_add gives back exactly those capabilities (CAP_ form, sorted) after dropping all', () => {
  const intents = withHardening({ capabilities_add: ['NET_BIND_SERVICE', 'CAP_CHOWN'] });
  assert.deepEqual(container(intents).CapabilityDrop, ['ALL']);
  assert.deepEqual(container(intents).CapabilityAdd, ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE']);
  const { change, warnings } = planned(intents);
  assert.deepEqual(change.diffs.map((d) => [d.path, d.after, d.rollsTasks]), [['TaskTemplate.ContainerSpec.CapabilityAdd', ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'], true]]);
  assert.match(warnings[0]!.message, /capabilities_add: CAP_CHOWN, CAP_NET_BIND_SERVICE$/);
});

test('tmpfs adds memory-backed paths with their size and may resize /tmp; both are shown', () => {
  const intents = withHardening({ tmpfs: { '/var/cache/': '256MiB', '/tmp': '1GiB' } });
  assert.deepEqual(container(intents).Mounts?.filter((m) => m.Type === 'tmpfs'), [
    { Type: 'tmpfs', Source: '', Target: '/tmp', TmpfsOptions: { SizeBytes: 1024 ** 3, Mode: 0o1777 } },
    { Type: 'tmpfs', Source: '', Target: '/var/cache', TmpfsOptions: { SizeBytes: 256 * 1024 ** 2, Mode: 0o1777 } },
  ]);
  const { change, warnings } = planned(intents);
  assert.deepEqual(change.diffs.map((d) => [d.path, d.rollsTasks]), [
    ['TaskTemplate.ContainerSpec.Mounts["/tmp"].TmpfsOptions.SizeBytes', true],
    ['TaskTemplate.ContainerSpec.Mounts["/var/cache"]', true],
  ]);
  assert.match(warnings[0]!.message, /tmpfs: \/tmp 1 GiB \(default 512 MiB\); tmpfs: \/var\/cache \(256 MiB\)$/);
});

test('a smaller /tmp is more hardening, not less: no warning', () => {
  const { warnings } = planned(withHardening({ tmpfs: { '/tmp': '64MiB' } }));
  assert.deepEqual(warnings, []);
});

test('nofile and a pids limit above the defaults are shown; lower ones are not opt-outs', () => {
  const raised = planned(withHardening({ nofile: 4096 }, (doc) => { doc.challenges[0].resources.pids = 2048; }));
  assert.deepEqual(raised.change.diffs.map((d) => [d.path, d.after]), [
    ['TaskTemplate.ContainerSpec.Ulimits', [{ Name: 'nofile', Soft: 4096, Hard: 4096 }]],
    ['TaskTemplate.Resources.Limits.Pids', 2048],
  ]);
  assert.match(raised.warnings[0]!.message, /nofile: 4096 \(default 1024\); pids: 2048 \(default 512\)$/);
  const lowered = planned(withHardening({ nofile: 256 }));
  assert.deepEqual(lowered.warnings, []);
});

test('a file without hardening: sections plans no hardening warning', () => {
  const result = plan(compileEdited(() => {}), convergedLive());
  assert.deepEqual(result.warnings, []);
});
