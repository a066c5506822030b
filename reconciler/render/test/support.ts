/** Plans for renderer tests, made by the real planner from the plan fixtures. */
import type Docker from 'dockerode';
import { plan } from '../../plan/plan.ts';
import type { Plan } from '../../plan/model.ts';
import { compileEdited, convergedLive, liveService } from '../../plan/test/support/fixtures.ts';

export const SECRET_VALUE = 'hunter2-super-secret';
export const URL_PASSWORD = 'pa55w0rd';

/**
 * One create (network `extra`, which the master joins: rolls tasks), updates of alpha (new digest plus hand-added
 * secret-looking env vars: rolls tasks) and beta (emission percent: no restart), one destroy (a stale managed network).
 */
export function mixedPlan(): Plan {
  const intents = compileEdited((doc) => {
    doc.networks = [...doc.networks, { name: 'extra', encrypted: false }];
    doc.challenges[0].image = doc.challenges[0].image.replace(/sha256:[0-9a-f]{64}/, `sha256:${'ab'.repeat(32)}`);
    doc.challenges[1].emission_percent = 35;
  });
  const live = convergedLive(intents);
  live.networks.push({ Id: 'stale0000', Name: 't-plan-stale', Driver: 'overlay', Scope: 'swarm', Labels: { 'base.managed-by': 'base' } });
  const alpha = (liveService(live, 't-plan-challenge-alpha').Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
  alpha.Env = [...(alpha.Env ?? []), `API_TOKEN=${SECRET_VALUE}`, `LOG_SINK=https://user:${URL_PASSWORD}@logs.example/x`];
  return plan(intents, live);
}

export function unchangedPlan(): Plan {
  const intents = compileEdited(() => {});
  return plan(intents, convergedLive(intents));
}
