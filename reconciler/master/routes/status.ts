/**
 * The status page and what it is made of: `GET /` (HTML), `GET /v1/challenges/dashboard.svg`, `GET /v1/weights`
 * (epoch history), `/status-page.js` and `/favicon.svg`. Handlers gather the public documents, the status model
 * turns them into what is shown, the renderers draw it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed, notFound, sendJson } from '../http-json.ts';
import { FAVICON_SVG, STATUS_PAGE_JS } from '../status/assets.ts';
import { historyDocument, historyEntry, parseHistoryQuery, type WeightsHistoryEntry } from '../status/history.ts';
import { buildStatusModel, HISTORY_EPOCHS, type StatusModel } from '../status/model.ts';
import { renderStatusPage, STATUS_PAGE_CSP } from '../status/render-html.ts';
import { dashboardSvg } from '../status/render-svg.ts';
import type { PublicRoutesDeps } from './public.ts';

const readable = (req: IncomingMessage, res: ServerResponse): boolean => {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  methodNotAllowed(res, 'GET, HEAD');
  return false;
};

function send(res: ServerResponse, contentType: string, body: string, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(body);
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': String(payload.length),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(payload);
}

/** The newest `HISTORY_EPOCHS` epochs, or null when there is no store or it did not answer. */
async function recentHistory(deps: PublicRoutesDeps, burnUid: number): Promise<WeightsHistoryEntry[] | null> {
  if (!deps.weightsHistory) return null;
  try {
    return (await deps.weightsHistory(HISTORY_EPOCHS)).map((v) => historyEntry(v, burnUid));
  } catch {
    return null;
  }
}

export async function statusModel(deps: PublicRoutesDeps, withHistory: boolean): Promise<StatusModel> {
  const registry = deps.registry();
  return buildStatusModel({
    registry,
    health: deps.health(),
    latest: deps.weights.latest(),
    history: withHistory ? await recentHistory(deps, registry.master_uid) : null,
    now: new Date(),
  });
}

export async function statusPageRoute(deps: PublicRoutesDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!readable(req, res)) return;
  const html = renderStatusPage(await statusModel(deps, true));
  send(res, 'text/html; charset=utf-8', html, {
    'content-security-policy': STATUS_PAGE_CSP,
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
}

export async function dashboardSvgRoute(deps: PublicRoutesDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!readable(req, res)) return;
  send(res, 'image/svg+xml; charset=utf-8', dashboardSvg(await statusModel(deps, false)), {
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
}

/** `GET /v1/weights?limit=N[&before=E]`: summaries of sealed vectors, newest first. */
export async function weightsHistoryRoute(deps: PublicRoutesDeps, url: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!readable(req, res)) return;
  const query = url.indexOf('?');
  const parsed = parseHistoryQuery(query < 0 ? '' : url.slice(query + 1));
  if (!parsed.ok) return sendJson(res, 400, { detail: parsed.detail });
  const retry = { 'retry-after': String(deps.weightsRetryAfterSeconds) };
  if (!deps.weightsHistory) return sendJson(res, 503, { detail: 'Weights store unavailable' }, retry);
  let vectors;
  try {
    vectors = await deps.weightsHistory(parsed.limit, parsed.before);
  } catch {
    return sendJson(res, 503, { detail: 'Weights store unavailable' }, retry);
  }
  sendJson(res, 200, historyDocument(vectors, deps.registry().master_uid, parsed.limit));
}

export function statusAssetRoute(pathname: string, req: IncomingMessage, res: ServerResponse): void {
  if (!readable(req, res)) return;
  if (pathname === '/status-page.js') return send(res, 'text/javascript; charset=utf-8', STATUS_PAGE_JS);
  if (pathname === '/favicon.svg') return send(res, 'image/svg+xml; charset=utf-8', FAVICON_SVG);
  notFound(res);
}
