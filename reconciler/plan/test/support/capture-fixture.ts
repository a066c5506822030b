/**
 * Captures fixtures/converged.live.json from the test bed: compiles fixtures/converged.yaml into the t-plan-
 * namespace, creates those objects from the compiled specs, observes the Swarm, keeps only the t-plan- objects and
 * the manager node, and removes what it created. Run after `deploy/testbed/testbed.sh up`:
 *   node --import tsx reconciler/plan/test/support/capture-fixture.ts
 */
import { writeFileSync } from 'node:fs';
import { dockerClient, observe } from '../../../live/observe.ts';
import { externalSecretNames } from '../../compile.ts';
import { compileFixture, fixturePath, fixtureText, FIXTURE_PREFIX, FIXTURE_TAG } from './fixtures.ts';
import { createObjects, removeObjects, testbedDockerSocket } from './test-objects.ts';

const socket = testbedDockerSocket();
if (!socket) throw new Error('no test bed: run deploy/testbed/testbed.sh up first');
const docker = dockerClient(socket);
const intents = compileFixture(fixtureText('converged.yaml'));
await removeObjects(docker, FIXTURE_PREFIX, FIXTURE_TAG);
try {
  await createObjects(docker, intents, externalSecretNames(intents), FIXTURE_TAG);
  const live = await observe(docker);
  const ours = (name: string | undefined): boolean => (name ?? '').startsWith(FIXTURE_PREFIX);
  const captured = {
    services: live.services.filter((s) => ours(s.Spec.Name)),
    // Ingress is kept: a real Swarm always has it (unmanaged, never touched).
    networks: live.networks.filter((n) => ours(n.Name) || n.Name === 'ingress'),
    volumes: live.volumes.filter((v) => ours(v.Name)),
    secrets: live.secrets.filter((s) => ours(s.Spec.Name)),
    nodes: live.nodes.filter((n) => n.Spec.Role === 'manager'),
  };
  writeFileSync(fixturePath('converged.live.json'), `${JSON.stringify(captured, null, 2)}\n`);
  process.stdout.write(`captured ${captured.services.length} services, ${captured.networks.length} networks, ${captured.volumes.length} volumes, ${captured.secrets.length} secrets, ${captured.nodes.length} nodes\n`);
} finally {
  await removeObjects(docker, FIXTURE_PREFIX, FIXTURE_TAG);
}
