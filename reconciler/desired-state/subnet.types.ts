/* Generated from schemas/subnet.schema.json by reconciler/desired-state/generate-types.ts. Do not edit: run `make generate`. */

/**
 * registry/repository:tag@sha256:<64 hex>; production requires both tag and digest.
 */
export type ImageRef = string;
export type ObjectName = string;
export type DatasetName = string;
/**
 * A size, e.g. 512m, 4g, 8MiB, or bytes.
 */
export type ByteQuantity = string | number;
export type SecretName = string;
export type HttpUrl = string;
export type JobUser = string;
/**
 * An absolute path.
 */
export type AbsolutePath = string;

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
  broker?: Broker;
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
  update?: UpdatePolicy;
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
/**
 * How base images check/update keeps this image current (exactly one of channel and semver): channel follows a mutable tag's digest, semver picks the newest registry tag matching a range; either way the file gets tag@digest.
 */
export interface UpdatePolicy {
  /**
   * The mutable tag to follow (e.g. latest); it must be the image's own tag. A moved tag gives the image its new digest.
   */
  channel?: string;
  /**
   * A SemVer range (npm semver syntax, e.g. ^2.3 or ~1.4.0 or >=2 <3); the newest registry tag satisfying it (pre-releases excluded) is pinned by digest.
   */
  semver?: string;
  /**
   * commit: base images update commits the new reference; pull-request: proposed on a branch for review.
   */
  mode?: 'commit' | 'pull-request';
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
  /**
   * How many NVIDIA-GPU generic resources the node's daemon advertises (node-generic-resources in its daemon.json); broker GPU quotas are checked against it.
   */
  gpus?: number;
  /**
   * broker.datasets staged on this node; the reconciler sets the node label base.dataset.<name>=<version> for each, and broker runs that mount a dataset are constrained to such nodes.
   *
   * @maxItems 64
   */
  datasets?: DatasetName[];
}
/**
 * Extra node labels; the base. prefix is reserved for the reconciler.
 */
export interface Labels {
  [k: string]: string;
}
/**
 * The evaluation-job broker (base-broker on the manager): its image and the policy every challenge's jobs: grant lives within.
 */
export interface Broker {
  image: ImageRef;
  update?: UpdatePolicy;
  /**
   * Port on the broker's internal overlay (never published on a host).
   */
  port?: number;
  /**
   * Applied when a run request omits the field (the reference broker's values unless set).
   */
  defaults?: {
    timeout_seconds?: number;
    /**
     * How long a run may wait queued or pending before it ends unschedulable.
     */
    queue_timeout_seconds?: number;
    /**
     * CPUs, e.g. 2 or "1.5".
     */
    cpus?: number | string;
    /**
     * A size, e.g. 512m, 4g, 8MiB, or bytes.
     */
    memory?: string | number;
    pids?: number;
    /**
     * tmpfs mounts (path: size), noexec,nosuid.
     */
    tmpfs?: {
      [k: string]: ByteQuantity;
    };
    /**
     * The user a run gets when its request names none (omitted: the image's USER).
     */
    user?: string;
    stop_grace_seconds?: number;
  };
  /**
   * Hard caps over all challenges.
   */
  limits?: {
    max_concurrent?: number;
    max_concurrent_gpus?: number;
    /**
     * A size, e.g. 512m, 4g, 8MiB, or bytes.
     */
    max_request_bytes?: string | number;
  };
  retention?: {
    /**
     * How long a finished run's service and tasks are kept.
     */
    finished_job_seconds?: number;
    /**
     * How long a run's stored status, logs and artifacts are kept.
     */
    result_seconds?: number;
  };
  /**
   * Read-only datasets staged on worker nodes (see workers[].datasets).
   *
   * @maxItems 64
   */
  datasets?: {
    name: DatasetName;
    /**
     * Set as the value of the node label base.dataset.<name>.
     */
    version: string;
    /**
     * An absolute path.
     */
    path: string;
  }[];
}
export interface Challenge {
  /**
   * Lower-case letters, digits and -, at most 48 characters; the service is challenge-<slug>. Never reuse a slug for a different challenge: its data volume is kept.
   */
  slug: string;
  name: string;
  description?: string;
  image: ImageRef;
  update?: UpdatePolicy;
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
  hardening?: Hardening;
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
  jobs?: Jobs;
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
  /**
   * Process limit of the service's container (default 512); more than 512 is a hardening opt-out, shown in base plan.
   */
  pids?: number;
  gpus?: number;
}
/**
 * Opt-outs from how every challenge service runs by default: read-only root filesystem, an init process, every Linux capability dropped, 512 processes (resources.pids), a 512 MiB noexec,nosuid tmpfs on /tmp, 1024 open files; /data (the challenge's volume) is the only persistent writable path. Each opt-out is shown in base plan. Changing any of these replaces the service's tasks.
 */
export interface Hardening {
  /**
   * false: the container's root filesystem is writable (lost on every restart; prefer a tmpfs for the path that needs writing).
   */
  read_only?: boolean;
  /**
   * Linux capabilities given back after dropping all, e.g. [NET_BIND_SERVICE] (with or without CAP_). production refuses ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE and DAC_READ_SEARCH.
   */
  capabilities_add?: string[];
  /**
   * Extra memory-backed writable paths (noexec,nosuid) with their size, e.g. {/var/cache: 256MiB}; /tmp here resizes the default /tmp. Counted against the memory limit while filled.
   */
  tmpfs?: {
    [k: string]: string | number;
  };
  /**
   * Open-files limit (soft and hard; default 1024).
   */
  nofile?: number;
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
/**
 * What this challenge may run through the broker. A challenge without jobs: gets no broker access.
 */
export interface Jobs {
  /**
   * Exact image repositories, without tag or digest (run requests name those); compared canonicalised, never as prefixes.
   *
   * @minItems 1
   * @maxItems 32
   */
  images: [string, ...string[]];
  /**
   * The worker classes (workers[].workload) its runs may be placed on.
   *
   * @minItems 1
   */
  classes: ['cpu' | 'gpu', ...('cpu' | 'gpu')[]];
  /**
   * Pending plus running runs of this challenge.
   */
  max_concurrent?: number;
  /**
   * Runs waiting beyond max_concurrent (asynchronous API only; the reference's synchronous route answers 429 at max_concurrent).
   */
  max_queued?: number;
  /**
   * Sum of gpu_count over this challenge's live runs.
   */
  max_gpus?: number;
  /**
   * Maxima of one run; the defaults are the reference SDK's defaults, below which unmodified reference calls are refused.
   */
  per_job?: {
    /**
     * CPUs, e.g. 2 or "1.5".
     */
    max_cpus?: number | string;
    /**
     * A size, e.g. 512m, 4g, 8MiB, or bytes.
     */
    max_memory?: string | number;
    max_pids?: number;
    max_gpus?: number;
    max_timeout_seconds?: number;
    /**
     * A size, e.g. 512m, 4g, 8MiB, or bytes.
     */
    max_input_bytes?: string | number;
    /**
     * A size, e.g. 512m, 4g, 8MiB, or bytes.
     */
    max_log_bytes?: string | number;
    /**
     * A size, e.g. 512m, 4g, 8MiB, or bytes.
     */
    max_artifact_bytes?: string | number;
    /**
     * Users a request may name (uid or uid:gid). Unset: only broker.defaults.user or the image's USER.
     *
     * @maxItems 32
     */
    allow_users?: JobUser[];
  };
  /**
   * isolated: a per-run internal overlay with no route out; egress: attached to egress_network.
   */
  network?: 'isolated' | 'egress';
  /**
   * With network: egress, a network declared in networks: that the runs join.
   */
  egress_network?: string;
  /**
   * broker.datasets this challenge's runs get, read-only, at the given target path.
   */
  datasets?: {
    [k: string]: AbsolutePath;
  };
}
