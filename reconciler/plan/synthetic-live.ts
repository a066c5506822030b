/**
 * A LiveState that looks like a Swarm converged to some intents: `plan --against <ref>` plans the file against its
 * version at another Git ref through the very same planner, with no Swarm.
 */
import { ENCRYPTED_OPTION, MTU_OPTION } from '../live/normalize.ts';
import type { LiveState } from '../live/types.ts';
import type { Intent } from './model.ts';

/** `extraHostnames`: nodes that exist without managed labels (workers added by the newer file). */
export function liveStateFromIntents(intents: readonly Intent[], extraHostnames: readonly string[] = []): LiveState {
  const live: LiveState = { services: [], networks: [], volumes: [], secrets: [], nodes: [] };
  for (const intent of intents) {
    switch (intent.kind) {
      case 'network': {
        const options: Record<string, string> = {};
        if (intent.encrypted) options[ENCRYPTED_OPTION] = '';
        if (intent.mtu !== null) options[MTU_OPTION] = String(intent.mtu);
        live.networks.push({ Id: `network-${intent.name}`, Name: intent.name, Driver: intent.driver, Scope: 'swarm', Internal: intent.internal, Attachable: intent.attachable, Options: options, Labels: { ...intent.labels } });
        break;
      }
      case 'secret':
        live.secrets.push({ ID: `secret-${intent.name}`, Version: { Index: 1 }, Spec: { Name: intent.name, Labels: { ...intent.labels } } });
        break;
      case 'volume':
        live.volumes.push({ Name: intent.name, Driver: 'local', Labels: { ...intent.labels } });
        break;
      case 'service':
        live.services.push({ ID: `service-${intent.name}`, Version: { Index: 1 }, Spec: structuredClone(intent.spec) });
        break;
      case 'node':
        live.nodes.push({ ID: `node-${intent.hostname}`, Version: { Index: 1 }, Spec: { Labels: { ...intent.labels }, Availability: intent.availability, Role: 'worker' }, Description: { Hostname: intent.hostname } });
        break;
    }
  }
  for (const hostname of extraHostnames) {
    if (!live.nodes.some((n) => n.Description?.Hostname === hostname)) {
      live.nodes.push({ ID: `node-${hostname}`, Version: { Index: 1 }, Spec: { Labels: {}, Availability: 'active', Role: 'worker' }, Description: { Hostname: hostname } });
    }
  }
  return live;
}
