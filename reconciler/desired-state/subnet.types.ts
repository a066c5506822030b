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
  /**
   * The subnet id on chain.
   */
  netuid: number;
  /**
   * production requires every image pinned by SemVer (or latest) tag and sha256 digest.
   */
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
   * How long a sealed vector stays valid: expires_at = computed_at + this. Default: epoch_interval_seconds + 720 (one epoch plus the reference platform's 720 s window), so the latest vector is still valid when the next one is sealed. Must be at least epoch_interval_seconds (base validate refuses a shorter window).
   */
  vector_expiry_seconds?: number;
  /**
   * The uid that receives unallocated emission.
   */
  burn_uid?: number;
}
export interface Master {
  image: ImageRef;
  /**
   * Swarm service name of the master; its data volume is <service_name>-data, its signing-key secret <service_name>-signing-key-<hash12> and its overlay alias the same name. Lower-case DNS label of at most 39 characters (the secret name adds 25). Change it only to run a second subnet (or a test) beside another on one Swarm.
   */
  service_name?: string;
  /**
   * Published host-mode port of the HTTP surface.
   */
  port?: number;
  /**
   * Name of the Swarm secret holding the admin token.
   */
  admin_token_secret?: string;
  /**
   * Name of an operator-created Swarm secret holding the control-plane PostgreSQL URL; mounted into base-master at /run/secrets/base/database_url (BASE_DATABASE_URL_FILE). Required in production.
   */
  database_url_secret?: string;
}
export interface Network {
  name: ObjectName;
  /**
   * IPsec-encrypted overlay (--opt encrypted); lower the MTU (e.g. 1450) to leave room for the ESP header.
   */
  encrypted?: boolean;
  /**
   * com.docker.network.driver.mtu.
   */
  mtu?: number;
  /**
   * No route outside the overlay.
   */
  internal?: boolean;
  /**
   * Standalone containers may attach (docker run --network).
   */
  attachable?: boolean;
}
export interface Worker {
  hostname: string;
  /**
   * Sets the node label base.workload.
   */
  workload: 'cpu' | 'gpu';
  /**
   * Swarm node availability the reconciler keeps.
   */
  availability?: 'active' | 'pause' | 'drain';
  labels?: Labels;
}
/**
 * Extra node labels; the base. prefix is reserved for the reconciler.
 */
export interface Labels {
  [k: string]: string;
}
export interface Challenge {
  /**
   * Lower-case letters, digits and -, at most 48 characters; the service is challenge-<slug>. Never reuse a slug for a different challenge: its data volume is kept.
   */
  slug: string;
  name: string;
  description?: string;
  image: ImageRef;
  /**
   * Version of the challenge shown in /v1/registry (usually the image tag).
   */
  version?: string;
  /**
   * active: deployed and weighted; inactive: service removed, data volume kept; draft: declared, not deployed yet.
   */
  status: 'active' | 'inactive' | 'draft';
  /**
   * Absolute share of 100 (not relative to other challenges); the active challenges together take at most 100, the rest burns to subnet.burn_uid.
   */
  emission_percent: number;
  /**
   * true: the master publishes this challenge's raw answer with each epoch's inputs (GET /v1/weights/{epoch}/inputs) so validators can replay the vector; false: the answer stays private and this challenge's part of every epoch is marked unverifiable (the vector records it, it is never silently left out).
   */
  publish_raw_scores?: boolean;
  /**
   * Port the challenge listens on inside the overlay (not published).
   */
  port?: number;
  /**
   * Networks the service joins; default: every declared network that is encrypted.
   */
  networks?: ObjectName[];
  resources?: Resources;
  /**
   * Plain configuration only. Names the reconciler sets (CHALLENGE_DATABASE_URL, BASE_CHALLENGE_SLUG, CHALLENGE_SHARED_TOKEN_FILE), database URLs and secret-looking names (*TOKEN*, *SECRET*, *PASSWORD*, *_KEY) are rejected: use secrets.
   */
  env?: {
    [k: string]: string | number | boolean;
  };
  /**
   * Existing Swarm secrets mounted at /run/secrets/<name>.
   */
  secrets?: SecretName[];
  /**
   * Capabilities the challenge needs from the platform (e.g. gpu); informational.
   */
  required_capabilities?: string[];
  metadata?: PublicMetadata;
  /**
   * The public proxy routes (under /challenges/<slug>) on which the miner signature headers X-Hotkey, X-Signature, X-Nonce and X-Timestamp reach this challenge, because it verifies them; on every other route they are dropped. Default: for the slug agent-challenge the reference platform's signed routes, for any other slug none. [] drops them everywhere.
   *
   * @maxItems 64
   */
  signed_routes?: SignedRoute[];
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
export interface SignedRoute {
  /**
   * @minItems 1
   */
  methods: [
    'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS',
    ...('GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS')[]
  ];
  /**
   * The challenge-local path after /challenges/<slug>, matched segment by segment on the proxy's canonical (decoded) path: a literal segment matches itself exactly, {name} matches any one segment. Example: /submissions/{id}/env.
   */
  path: string;
}
