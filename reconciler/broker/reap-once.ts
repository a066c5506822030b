/**
 * One pass of the reaper on Docker: read the broker's runs and networks, let the pure `decideReaping` decide, carry
 * each action out, and report what was done. Run every few seconds by `base broker serve`; safe to run from two
 * places at once (every action is idempotent: removing what is gone, promoting what already runs, do nothing).
 */
import type { BrokerPolicy } from './policy.ts';
import { decideReaping, type ReapAction } from './reaper.ts';
import { runNetworkName } from './compile-run.ts';
import type { SwarmRunBackend } from './swarm-backend.ts';

export interface ReapReport {
  action: ReapAction;
  error?: string;
}

export async function reapOnce(backend: Pick<SwarmRunBackend, 'listRuns' | 'listRunNetworks' | 'remove' | 'removeNetwork' | 'promote'>, policy: BrokerPolicy, nowSeconds: number): Promise<ReapReport[]> {
  const [runs, networks] = await Promise.all([backend.listRuns(), backend.listRunNetworks()]);
  const actions = decideReaping({ runs, networks, grants: policy.grants, global: policy.global, finishedJobSeconds: policy.finishedJobSeconds, now: nowSeconds });
  const reports: ReapReport[] = [];
  for (const action of actions) {
    try {
      if (action.kind === 'stop' || action.kind === 'expire') await backend.remove(action.serviceId, runNetworkName(action.runId));
      else if (action.kind === 'promote') await backend.promote(action.serviceId);
      else await backend.removeNetwork(action.networkId);
      reports.push({ action });
    } catch (error) {
      reports.push({ action, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return reports;
}
