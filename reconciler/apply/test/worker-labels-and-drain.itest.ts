import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { baseCli, changed, Fixture } from './support.ts';

const worker = readTestbedEndpoints().workers[0];
let fx: Fixture;
let original: { Labels?: Record<string, string>; Role?: string; Availability?: string } | null = null;

async function nodeSpec(): Promise<{ Labels: Record<string, string>; Availability: string; Role: string }> {
  const node = (await fx.docker.getNode(worker!.nodeId).inspect()) as { Spec: { Labels?: Record<string, string>; Availability: string; Role: string } };
  return { ...node.Spec, Labels: node.Spec.Labels ?? {} };
}

before(async () => {
  fx = await Fixture.create('worker');
  if (worker) original = await nodeSpec();
});
after(async () => {
  if (worker && original) {
    // Put the shared test-bed worker back exactly as we found it.
    const node = (await fx.docker.getNode(worker.nodeId).inspect()) as { Version: { Index: number } };
    await fx.docker.getNode(worker.nodeId).update({ _query: { version: node.Version.Index }, _body: original } as never);
  }
  await fx.cleanup();
});

test('apply sets declared worker labels and availability, keeps labels it does not manage, removes ones it stopped managing', { skip: worker ? false : 'the test bed has no worker (testbed.sh up --workers 1)' }, async () => {
  const hostname = worker!.hostname;
  await execa('docker', ['node', 'update', '--label-add', `itest.keep=${fx.prefix}`, hostname]);
  await fx.write([], { workers: [{ hostname, workload: 'cpu', availability: 'drain', labels: { 'itest.zone': fx.prefix } }] });
  const first = await fx.apply();
  assert.equal(first.outcome.exitCode, 0, first.output);
  let spec = await nodeSpec();
  assert.equal(spec.Availability, 'drain');
  assert.equal(spec.Labels['base.workload'], 'cpu');
  assert.equal(spec.Labels['itest.zone'], fx.prefix);
  assert.equal(spec.Labels['itest.keep'], fx.prefix, 'a label the reconciler does not manage is kept');
  assert.equal(changed(await fx.plan()).length, 0);

  await fx.write([], { workers: [{ hostname, workload: 'cpu', availability: 'active' }] });
  const nodeChange = changed(await fx.plan()).find((c) => c.kind === 'node');
  assert.equal(nodeChange?.impact, 'no-restart');
  const second = await fx.apply();
  assert.equal(second.outcome.exitCode, 0, second.output);
  spec = await nodeSpec();
  assert.equal(spec.Availability, 'active');
  assert.equal(spec.Labels['itest.zone'], undefined, 'a label no longer declared is removed');
  assert.equal(spec.Labels['itest.keep'], fx.prefix);
  assert.equal(changed(await fx.plan()).length, 0);
});

test('base worker label, drain, activate, list and inspect act on the netns worker node', { skip: worker ? false : 'the test bed has no worker' }, async () => {
  const hostname = worker!.hostname;
  const label = await baseCli(['worker', 'label', hostname, `itest.cli=${fx.prefix}`]);
  assert.equal(label.exitCode, 0, label.stderr);
  assert.equal((await nodeSpec()).Labels['itest.cli'], fx.prefix);

  const drain = await baseCli(['worker', 'drain', hostname]);
  assert.equal(drain.exitCode, 0, drain.stderr);
  assert.equal((await nodeSpec()).Availability, 'drain');
  const list = await baseCli(['worker', 'list', '--json']);
  const nodes = JSON.parse(list.stdout) as Array<{ hostname: string; availability: string; labels: Record<string, string> }>;
  assert.equal(nodes.find((n) => n.hostname === hostname)?.availability, 'drain');
  const activate = await baseCli(['worker', 'activate', hostname]);
  assert.equal(activate.exitCode, 0, activate.stderr);
  assert.equal((await nodeSpec()).Availability, 'active');

  const unlabel = await baseCli(['worker', 'label', hostname, 'itest.cli-']);
  assert.equal(unlabel.exitCode, 0, unlabel.stderr);
  assert.equal((await nodeSpec()).Labels['itest.cli'], undefined);

  const inspect = await baseCli(['worker', 'inspect', hostname]);
  assert.equal((JSON.parse(inspect.stdout) as { ID: string }).ID, worker!.nodeId);
  const unknown = await baseCli(['worker', 'drain', 'no-such-node']);
  assert.equal(unknown.exitCode, 1);
  assert.match(unknown.stderr, /no Swarm node named or with ID "no-such-node"; nodes: .*worker-cpu-1/);
});

test('base worker token prints the join command and hides the token unless asked', async () => {
  const hidden = await baseCli(['worker', 'token', '--cpu']);
  assert.equal(hidden.exitCode, 0, hidden.stderr);
  assert.match(hidden.stdout, /^docker swarm join --token <hidden: use --show-token> \S+:2377$/);
  assert.doesNotMatch(hidden.stdout + hidden.stderr, /SWMTKN/);
  const shown = await baseCli(['worker', 'token', '--gpu', '--show-token']);
  assert.match(shown.stdout, /^docker swarm join --token SWMTKN-\S+ \S+:2377$/);
  const neither = await baseCli(['worker', 'token']);
  assert.equal(neither.exitCode, 1);
  assert.match(neither.stderr, /exactly one of --cpu or --gpu/);
});
