/* Generated from schemas/subnet.schema.json by reconciler/desired-state/generate-types.ts. Do not edit: run `make generate`. */

/**
 * registry/repository:tag@sha256:<64 hex>; production requires both tag and digest.
 */
export type ImageRef = string;
export type ObjectName = string;
export type SecretName = string;
export type HttpUrl = string;

/**
 * Desired state of a BASE subnet: desired-state/subnet.yaml. The reconciler converges a Docker Swarm to it.
 */
export interface SubnetDesiredState {
  /**
   * Format version of this file.
   */
  version: 1;
  subnet: Subnet;
  master: Master;
  /**
   * Overlay networks the reconciler creates.
   */
  networks: Network[];
  /**
   * Manually enrolled Swarm worker nodes; the reconciler sets their labels and availability.
   */
  workers?: Worker[];
  challenges: Challenge[];
  /**
   * Static hotkey -> uid map, used instead of the chain's metagraph in development.
   */
  development_metagraph?: {
    [k: string]: number;
  };
}
export interface Subnet {
  name: string;
  netuid: number;
  environment: 'production' | 'development';
  /**
   * Subtensor RPC endpoint (ws:// or wss://).
   */
  chain_endpoint: string;
  /**
   * Weights epoch length: epoch = floor(unix_seconds / interval).
   */
  epoch_interval_seconds: number;
  /**
   * The uid that receives unallocated emission.
   */
  burn_uid?: number;
}
export interface Master {
  image: ImageRef;
  /**
   * Published host-mode port of the HTTP surface.
   */
  port?: number;
  /**
   * Name of the Swarm secret holding the admin token.
   */
  admin_token_secret?: string;
}
export interface Network {
  name: ObjectName;
  encrypted?: boolean;
  mtu?: number;
  internal?: boolean;
  attachable?: boolean;
}
export interface Worker {
  hostname: string;
  workload: 'cpu' | 'gpu';
  availability?: 'active' | 'pause' | 'drain';
  labels?: Labels;
}
export interface Labels {
  [k: string]: string;
}
export interface Challenge {
  /**
   * ^[a-z0-9][a-z0-9-]*[a-z0-9]$, at most 48 characters; the service is challenge-<slug>.
   */
  slug: string;
  name: string;
  description?: string;
  image: ImageRef;
  version?: string;
  status: 'active' | 'inactive' | 'draft';
  /**
   * Absolute share of 100 (not relative to other challenges).
   */
  emission_percent: number;
  port?: number;
  /**
   * Networks the service joins; default: every declared network that is encrypted.
   */
  networks?: ObjectName[];
  resources?: Resources;
  env?: {
    [k: string]: string | number | boolean;
  };
  /**
   * Existing Swarm secrets mounted at /run/secrets/<name>.
   */
  secrets?: SecretName[];
  required_capabilities?: string[];
  metadata?: PublicMetadata;
}
export interface Resources {
  /**
   * CPU limit, e.g. 2 or "1.5".
   */
  cpus?: number | string;
  /**
   * Memory limit, e.g. 512M, 4GiB, or bytes.
   */
  memory?: string | number;
  pids?: number;
  gpus?: number;
}
/**
 * Public fields shown in /v1/registry (an allowlist).
 */
export interface PublicMetadata {
  tagline?: string;
  summary?: string;
  category?: string;
  docs_url?: HttpUrl;
  repository_url?: HttpUrl;
  website_url?: HttpUrl;
  icon_url?: HttpUrl;
  banner_url?: HttpUrl;
}
