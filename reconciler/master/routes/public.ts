/** Public read-only routes: registry, weights, health, version, metrics. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed, notFound, sendJson } from '../http-json.ts';
import type { HealthDocument } from '../health.ts';
import { versionDocument } from '../health.ts';
import type { MasterMetrics } from '../metrics.ts';
import type { RegistryDocument } from '../registry.ts';
import type { WeightsReader, WeightsVector } from '../weights-reader.ts';
import { withProvenance } from '../../weights/provenance.ts';

export interface PublicRoutesDeps {
  version: string;
  registry(): RegistryDocument;
  health(): HealthDocument;
  weights: WeightsReader;
  /**
   * Sealed vectors newest first (`limit`, epochs below `before`), for `/v1/weights` and the status page's history;
   * absent when the master has no store. Rejects when the store cannot answer.
   */
  weightsHistory?: (limit: number, before?: number) => Promise<WeightsVector[]>;
  /** `Retry-After` (seconds) when no vector is sealed yet or the store cannot answer. */
  weightsRetryAfterSeconds: number;
  metrics: MasterMetrics;
}

const readable = (req: IncomingMessage, res: ServerResponse): boolean => {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  methodNotAllowed(res, 'GET, HEAD');
  return false;
};

export function registryRoute(deps: PublicRoutesDeps, req: IncomingMessage, res: ServerResponse): void {
  if (readable(req, res)) sendJson(res, 200, deps.registry());
}

export function healthRoute(deps: PublicRoutesDeps, req: IncomingMessage, res: ServerResponse): void {
  if (readable(req, res)) sendJson(res, 200, deps.health());
}

export function versionRoute(deps: PublicRoutesDeps, req: IncomingMessage, res: ServerResponse): void {
  if (readable(req, res)) sendJson(res, 200, versionDocument(deps.version));
}

export async function metricsRoute(deps: PublicRoutesDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!readable(req, res)) return;
  const { contentType, body } = await deps.metrics.exposition();
  res.writeHead(200, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store' });
  res.end(body);
}

const EPOCH = /^(0|[1-9][0-9]{0,15})$/;

/** The largest inputs document served (32 challenges × 65,536 hotkeys fit); a larger one is refused, not cut. */
export const MAX_INPUTS_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * `/v1/weights/latest`, `/v1/weights/{epoch}` and `/v1/weights/{epoch}/inputs`: only what was sealed, never recomputed;
 * a vector is served with its provenance fields (derived from its digest, see weights/provenance.ts).
 */
export async function weightsRoute(deps: PublicRoutesDeps, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rest = pathname.slice('/v1/weights/'.length);
  if (!pathname.startsWith('/v1/weights/') || rest.length === 0) return notFound(res);
  const inputs = /^([^/]+)\/inputs$/.exec(rest);
  if (!inputs && rest.includes('/')) return notFound(res);
  if (!readable(req, res)) return;
  const retry = { 'retry-after': String(deps.weightsRetryAfterSeconds) };
  if (inputs) return inputsRoute(deps, inputs[1] as string, res, retry);
  if (rest === 'latest') {
    const vector = deps.weights.latest();
    if (vector === null) return sendJson(res, 503, { detail: 'No weights vector sealed yet' }, retry);
    return sendJson(res, 200, withProvenance(vector));
  }
  const epoch = EPOCH.test(rest) ? Number(rest) : NaN;
  if (!Number.isSafeInteger(epoch)) return sendJson(res, 400, { detail: 'Epoch must be a non-negative integer' });
  let vector;
  try {
    vector = await deps.weights.atEpoch(epoch);
  } catch {
    return sendJson(res, 503, { detail: 'Weights store unavailable' }, retry);
  }
  if (vector === null) return sendJson(res, 404, { detail: 'No weights vector sealed for this epoch' });
  sendJson(res, 200, withProvenance(vector));
}

async function inputsRoute(deps: PublicRoutesDeps, rawEpoch: string, res: ServerResponse, retry: Record<string, string>): Promise<void> {
  const epoch = EPOCH.test(rawEpoch) ? Number(rawEpoch) : NaN;
  if (!Number.isSafeInteger(epoch)) return sendJson(res, 400, { detail: 'Epoch must be a non-negative integer' });
  let document: unknown;
  try {
    document = await deps.weights.inputsAt(epoch);
  } catch {
    return sendJson(res, 503, { detail: 'Weights store unavailable' }, retry);
  }
  if (document === null) return sendJson(res, 404, { detail: 'No inputs recorded for this epoch (never sealed, sealed before inputs were kept, or pruned)' });
  const body = Buffer.from(`${JSON.stringify(document)}\n`);
  if (body.length > MAX_INPUTS_RESPONSE_BYTES) {
    return sendJson(res, 413, { detail: `The inputs of this epoch exceed ${MAX_INPUTS_RESPONSE_BYTES} bytes and are not served` });
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store' });
  res.end(body);
}
