/**
 * `GET /v1/registry`: a compatible superset of the reference master's registry (its `RegistryResponse`: every
 * per-challenge field present, typed as the reference types it), checked by schemas/registry.schema.json. Built only
 * from an allowlist of desired-state fields: env values, secret names, tokens and anything not named here never reach
 * the answer — the reference's `env` and `secrets` are served empty on purpose.
 */
import { parseImageRef } from '../desired-state/image-ref.ts';
import type { Challenge, SubnetDesiredState } from '../desired-state/index.ts';
import { CHALLENGE_DATA_TARGET, challengeServiceName, challengeVolumeName } from '../plan/compile.ts';
import type { ProbeResult } from './probes.ts';
import type { ChallengeTasks } from './swarm-status.ts';

/** The master's own API version (`/health`, `/version`). */
export const API_VERSION = '1';
/** The registry body's `api_version`, as the reference's `RegistryResponse` carries it. */
export const REGISTRY_API_VERSION = '1.0';
/** The capabilities a challenge is assumed to need when it declares none (the reference's default). */
export const DEFAULT_REQUIRED_CAPABILITIES = ['get_weights', 'proxy_routes'] as const;
/** The listening port when the desired state carries no default (the schema's default). */
const DEFAULT_CHALLENGE_PORT = 8000;

/** Public metadata keys, the only ones copied from a challenge's `metadata`. */
export const PUBLIC_METADATA_KEYS = [
  'tagline',
  'summary',
  'category',
  'docs_url',
  'repository_url',
  'website_url',
  'icon_url',
  'banner_url',
] as const;

export interface RegistryInputs {
  desired: SubnetDesiredState | null;
  /** Desired-state revision last applied (from the Swarm's service labels or the store). */
  revision: string | null;
  /** When that revision was applied (the service's `base.applied-at` label); null when unknown. */
  appliedAt?: string | null;
  signingKey: { publicKey: string; ss58: string } | null;
  /** null when the Docker API is not configured or not reachable. */
  tasks: ReadonlyMap<string, ChallengeTasks> | null;
  probes: ReadonlyMap<string, ProbeResult>;
  now: Date;
}

export interface RegistryChallenge {
  slug: string;
  name: string;
  image: string;
  /** `version`, else the image tag, else the image digest, else `latest`. */
  version: string;
  emission_percent: string;
  status: 'active' | 'inactive';
  description: string | null;
  metadata: Record<string, string>;
  /** `http://challenge-<slug>:<port>`: the overlay address (reachable only from the challenge network). */
  internal_base_url: string;
  public_proxy_base_path: string;
  required_capabilities: string[];
  /** Every value a string (the reference types it `dict[str, str]`). */
  resources: Record<string, string>;
  /** Volume name → mount target. */
  volumes: Record<string, string>;
  /** Always empty: env values are never published. */
  env: Record<string, never>;
  /** Always empty: secret names are never published. */
  secrets: never[];
  health: {
    running_tasks: number | null;
    desired_tasks: number | null;
    probe: {
      ok: boolean;
      checked_at: string;
      health_status: number;
      version_status: number;
      version: string | null;
      error: string | null;
    } | null;
  };
}

export interface RegistryDocument {
  network: string;
  netuid: number | null;
  /** `subnet.environment` (production | development); null without a desired state. */
  deployment: string | null;
  /** `subnet.epoch_interval_seconds`: how often a vector is sealed; null without a desired state. */
  epoch_interval_seconds: number | null;
  api_version: string;
  master_uid: number;
  desired_state_revision: string | null;
  desired_state_applied_at: string | null;
  master_signing_public_key: string | null;
  master_signing_ss58: string | null;
  generated_at: string;
  challenges: RegistryChallenge[];
}

export function buildRegistry(inputs: RegistryInputs): RegistryDocument {
  const desired = inputs.desired;
  return {
    network: desired?.subnet.name ?? '',
    netuid: desired?.subnet.netuid ?? null,
    deployment: desired?.subnet.environment ?? null,
    epoch_interval_seconds: desired?.subnet.epoch_interval_seconds ?? null,
    api_version: REGISTRY_API_VERSION,
    master_uid: desired?.subnet.burn_uid ?? 0,
    desired_state_revision: inputs.revision,
    desired_state_applied_at: inputs.appliedAt ?? null,
    master_signing_public_key: inputs.signingKey?.publicKey ?? null,
    master_signing_ss58: inputs.signingKey?.ss58 ?? null,
    generated_at: inputs.now.toISOString(),
    challenges: (desired?.challenges ?? []).filter((c) => c.status !== 'draft').map((c) => registryChallenge(c, inputs)),
  };
}

function registryChallenge(challenge: Challenge, inputs: RegistryInputs): RegistryChallenge {
  const tasks = inputs.tasks === null ? null : (inputs.tasks.get(challenge.slug) ?? { running: 0, desired: 0 });
  const probe = inputs.probes.get(challenge.slug);
  return {
    slug: challenge.slug,
    name: challenge.name,
    image: challenge.image,
    version: registryVersion(challenge),
    emission_percent: decimalString(challenge.emission_percent),
    status: challenge.status === 'active' ? 'active' : 'inactive',
    description: challenge.description ?? null,
    metadata: publicMetadata(challenge.metadata),
    internal_base_url: `http://${challengeServiceName(challenge.slug)}:${challenge.port ?? DEFAULT_CHALLENGE_PORT}`,
    public_proxy_base_path: `/challenges/${challenge.slug}`,
    required_capabilities: [...(challenge.required_capabilities ?? DEFAULT_REQUIRED_CAPABILITIES)],
    resources: publicResources(challenge.resources),
    volumes: { [challengeVolumeName(challenge.slug)]: CHALLENGE_DATA_TARGET },
    env: {},
    secrets: [],
    health: {
      running_tasks: tasks?.running ?? null,
      desired_tasks: tasks?.desired ?? null,
      probe: probe
        ? {
            ok: probe.ok,
            checked_at: probe.checkedAt,
            health_status: probe.healthStatus,
            version_status: probe.versionStatus,
            version: probe.version,
            error: probe.error,
          }
        : null,
    },
  };
}

function publicMetadata(metadata: Challenge['metadata']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!metadata) return out;
  const source = metadata as Record<string, unknown>;
  for (const key of PUBLIC_METADATA_KEYS) {
    const value = source[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** The declared version; else the image's tag, else its digest, else `latest` (what Docker pulls without a tag). */
export function registryVersion(challenge: Pick<Challenge, 'version' | 'image'>): string {
  if (challenge.version) return challenge.version;
  const ref = parseImageRef(challenge.image);
  return ref?.tag ?? ref?.digest ?? 'latest';
}

function publicResources(resources: Challenge['resources']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!resources) return out;
  for (const key of ['cpus', 'memory', 'pids', 'gpus'] as const) {
    const value = resources[key];
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = decimalString(value);
  }
  return out;
}

/** The reference serves emission_percent as a decimal string; never exponent notation. */
export function decimalString(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const plain = String(value);
  if (!/e/i.test(plain)) return plain;
  return value.toFixed(20).replace(/\.?0+$/, '');
}
