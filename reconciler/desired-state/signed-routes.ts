/**
 * Which public proxy routes of a challenge carry the miner signature headers (`X-Hotkey`, `X-Signature`, `X-Nonce`,
 * `X-Timestamp`): the challenge's `signed_routes:` in subnet.yaml, or its default. Only a challenge that verifies
 * those headers should get them; anywhere else they are a spoofable identity. The default follows the reference
 * platform's proxy (`app_proxy.py`): its routes for the slug `agent-challenge`, none for any other slug.
 *
 * Pure data and functions: the master compiles these into a matcher (`master/proxy/route-matcher.ts`), the plan
 * shows them as a service label.
 */
import type { Challenge, SignedRoute } from './subnet.types.ts';

export type { SignedRoute } from './subnet.types.ts';
export type RouteMethod = SignedRoute['methods'][number];

/** The slug the reference platform gives its agent challenge; its proxy rules are keyed on it. */
export const AGENT_CHALLENGE_SLUG = 'agent-challenge';

/**
 * The agent challenge's env and launch routes: signed, and a transport failure on them answers 503 (not 502), as
 * the reference's `_is_agent_challenge_env_route`.
 */
export const AGENT_CHALLENGE_ENV_ROUTES: readonly SignedRoute[] = Object.freeze([
  { methods: ['GET', 'PUT'], path: '/submissions/{id}/env' },
  { methods: ['POST'], path: '/submissions/{id}/env/confirm-empty' },
  { methods: ['POST'], path: '/submissions/{id}/launch' },
]);

/**
 * The reference's full signed set for the agent challenge with its attested-routes flag off (its default): the
 * submission upload, the env and launch routes, and the later review and evaluation routes.
 */
export const AGENT_CHALLENGE_SIGNED_ROUTES: readonly SignedRoute[] = Object.freeze([
  { methods: ['POST'], path: '/submissions' },
  ...AGENT_CHALLENGE_ENV_ROUTES,
  { methods: ['POST'], path: '/submissions/{id}/review/prepare' },
  { methods: ['POST'], path: '/submissions/{id}/review/retry' },
  { methods: ['POST'], path: '/submissions/{id}/review/deployed' },
  { methods: ['POST'], path: '/submissions/{id}/review/cancel' },
  { methods: ['GET'], path: '/submissions/{id}/review/report' },
  { methods: ['GET'], path: '/submissions/{id}/review/history' },
  { methods: ['POST'], path: '/submissions/{id}/eval/prepare' },
  { methods: ['POST'], path: '/submissions/{id}/eval/retry' },
  { methods: ['POST'], path: '/submissions/{id}/eval/cancel' },
  { methods: ['POST'], path: '/submissions/{id}/eval/failure' },
  { methods: ['GET'], path: '/submissions/{id}/eval/status' },
]);

/** The routes on which a challenge gets the signature headers: as declared, else the default for its slug. */
export function effectiveSignedRoutes(challenge: Pick<Challenge, 'slug' | 'signed_routes'>): readonly SignedRoute[] {
  if (challenge.signed_routes !== undefined) return challenge.signed_routes;
  return challenge.slug === AGENT_CHALLENGE_SLUG ? AGENT_CHALLENGE_SIGNED_ROUTES : [];
}

/** Routes whose transport failure answers 503 instead of 502 (the reference's rule, by slug). */
export function unavailable503Routes(slug: string): readonly SignedRoute[] {
  return slug === AGENT_CHALLENGE_SLUG ? AGENT_CHALLENGE_ENV_ROUTES : [];
}

/**
 * One line naming every route, `GET,PUT /submissions/{id}/env; POST /submissions`, in declaration order with the
 * methods sorted: the value of the challenge service's `base.challenge.signed-routes` label, so `base plan` shows
 * a change. Empty string when there are none.
 */
export function signedRoutesText(routes: readonly SignedRoute[]): string {
  return routes.map((route) => `${[...route.methods].sort().join(',')} ${route.path}`).join('; ');
}
