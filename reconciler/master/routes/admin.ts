/**
 * Token-gated admin routes. Authorization is checked before anything else, so an unauthorized caller learns
 * nothing (every `/admin/...` path, known or not, answers 401). Plans are masked before they leave.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plan } from '../../plan/model.ts';
import { maskPlan } from '../../render/index.ts';
import type { ApplyRecord } from '../../store/index.ts';
import type { AdminAuth } from '../admin-auth.ts';
import { methodNotAllowed, notFound, sendJson } from '../http-json.ts';

export interface AdminRoutesDeps {
  auth: AdminAuth;
  /** The plan most recently computed (by a reconcile pass or `/admin/plan`); null when none yet. */
  lastPlan(): Promise<Plan | null> | Plan | null;
  /** Last apply results from the store, newest first. */
  applies?: ((limit: number) => Promise<ApplyRecord[]>) | undefined;
  /** Computes the current plan (observe → plan, no writes). */
  plan?: (() => Promise<Plan>) | undefined;
  /** Starts a reconcile pass in the background; must return at once. */
  reconcile?: (() => { accepted: boolean; detail: string }) | undefined;
}

const UNAUTHORIZED = { detail: 'Admin token required' };

export async function adminRoute(deps: AdminRoutesDeps, pathname: string, url: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!deps.auth.authorized(req.headers)) {
    return sendJson(res, 401, UNAUTHORIZED, { 'www-authenticate': 'Bearer realm="base-master-admin"' });
  }
  const method = req.method ?? '';
  switch (pathname) {
    case '/admin/last-plan': {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      const plan = await deps.lastPlan();
      return sendJson(res, 200, { plan: plan === null ? null : maskPlan(plan) });
    }
    case '/admin/plan': {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      if (!deps.plan) return sendJson(res, 503, { detail: 'Planning is not available on this master' });
      try {
        return sendJson(res, 200, { plan: maskPlan(await deps.plan()) });
      } catch (error) {
        return sendJson(res, 503, { detail: `Planning failed: ${safeMessage(error)}` });
      }
    }
    case '/admin/applies': {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      if (!deps.applies) return sendJson(res, 503, { detail: 'No control-plane store on this master' });
      const limit = limitOf(url);
      try {
        return sendJson(res, 200, { applies: await deps.applies(limit) });
      } catch {
        return sendJson(res, 503, { detail: 'Control-plane store unavailable' });
      }
    }
    case '/admin/reconcile': {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      if (!deps.reconcile) return sendJson(res, 503, { detail: 'Reconciling is not available on this master' });
      const outcome = deps.reconcile();
      return sendJson(res, outcome.accepted ? 202 : 409, outcome);
    }
    default:
      return notFound(res);
  }
}

function limitOf(url: string): number {
  const query = url.indexOf('?');
  const raw = query < 0 ? null : new URLSearchParams(url.slice(query + 1)).get('limit');
  const limit = raw === null ? 20 : Number(raw);
  return Number.isInteger(limit) && limit > 0 ? Math.min(limit, 200) : 20;
}

/** An error message for an admin caller, first line only and bounded (errors of this codebase carry no secrets). */
function safeMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 300);
}
