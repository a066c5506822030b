import type { Command } from 'commander';
import { DEFAULT_DESIRED_STATE_FILE, STORE_URL_ENV } from '../defaults.ts';
import { STORE_URL_FILE_ENV } from '../../store/open-store.ts';
import { DEFAULT_MASTER_PORT, millis, portNumber, readStoreUrl, type MasterConfig } from '../../master/config.ts';
import { action, UserError } from '../action.ts';
import { readPackageVersion } from '../version.ts';

interface ServeFlags {
  port?: string;
  host: string;
  desired?: string;
  upstream: string[];
  adminTokenFile?: string;
  signingKeyFile?: string;
  stateDir?: string;
  tokensDir?: string;
  dockerHost?: string;
  docker: boolean;
  probeInterval: string;
  probeTimeout: string;
  reconcileInterval: string;
  shutdownGrace: string;
  forwardedProto?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `base serve`: the master's HTTP surface (proxy, registry, weights, health, metrics, admin) on one port. */
export function register(program: Command): void {
  program
    .command('serve')
    .description("Run the master's HTTP surface: challenge proxy, registry, weights, health, version, metrics, admin")
    .option('--port <port>', `listening port (default: $BASE_MASTER_PORT or ${DEFAULT_MASTER_PORT})`)
    .option('--host <address>', 'listening address', '0.0.0.0')
    .option('--desired <file>', `desired-state file (default: $BASE_DESIRED_STATE_FILE or ${DEFAULT_DESIRED_STATE_FILE})`)
    .option('--upstream <slug=url>', 'static upstream for a challenge, e.g. demo=http://127.0.0.1:9001 (repeatable; replaces overlay DNS)', collect, [])
    .option('--admin-token-file <file>', 'file holding the admin token (default: $BASE_ADMIN_TOKEN_FILE); without it every admin route answers 401')
    .option('--signing-key-file <file>', "the master's sr25519 seed file, for its public key (default: $BASE_MASTER_SIGNING_KEY_FILE)")
    .option('--state-dir <dir>', 'reconciler state folder (tokens; development SQLite store) (default: $BASE_STATE_DIR)')
    .option('--tokens-dir <dir>', 'challenge tokens, one file per slug, for the weights epoch loop (default: $BASE_CHALLENGE_TOKENS_DIR)')
    .option('--docker-host <url>', 'Docker Engine for task states, plans and reconciles (default: DOCKER_HOST or the local socket; off with --upstream)')
    .option('--no-docker', 'do not use the Docker API (no running-task counts, no admin plan/reconcile)')
    .option('--probe-interval <seconds>', 'how often challenges are probed on /health and /version', '15')
    .option('--probe-timeout <seconds>', 'timeout of each probe request', '2')
    .option('--reconcile-interval <seconds>', 'run a reconcile pass this often (0: only on POST /admin/reconcile)', '0')
    .option('--forwarded-proto <http|https>', 'X-Forwarded-Proto sent to challenges (set https behind a TLS terminator; default: the connection\'s)')
    .option('--shutdown-grace <seconds>', 'on SIGTERM/SIGINT, how long in-flight requests may take to finish (keep below the service stop grace period, 10 s)', '8')
    .addHelpText(
      'after',
      `
Routes (one listener):
  ANY  /challenges/{slug}[/{path}]  public proxy to the challenge (internal routes blocked with 403)
  GET  /v1/registry                 challenges, emissions, public metadata, live health; never env or secrets
  GET  /v1/weights/latest           newest sealed weights vector (503 + Retry-After before the first seal)
  GET  /v1/weights/{epoch}          vector sealed for that epoch (404 unknown, 400 not an integer)
  GET  /health, /version, /metrics  status (ok|degraded + reasons), software version, Prometheus metrics
  /admin/last-plan, /admin/plan, /admin/applies (GET), /admin/reconcile (POST)
                                    need X-Admin-Token or Authorization: Bearer <token>
Weights: with a tokens directory and the signing key file, the master runs the weights epoch loop itself
(collects get_weights from every active challenge each epoch, seals, stores, serves); the metagraph is
development_metagraph in development and the chain (subnet.chain_endpoint) in production. Without them it
serves the vectors already in the store.
Upstreams: the active challenges of the desired state at http://challenge-<slug>:<port> (overlay DNS), or
only the --upstream map when one is given. The store URL is read from the file named by $${STORE_URL_FILE_ENV} (the
base-master service: master.database_url_secret mounted at /run/secrets/base/database_url) or from $${STORE_URL_ENV}
(development); never from argv, never both. When the weights loop cannot start (store or chain unreachable) the
master keeps serving, shows the reason on /health and retries with backoff (up to 60 s apart).
Logs: one JSON line per request on stdout (method, route class, slug, status, duration; no headers, no query).

Examples:
  base serve --port 18180 --upstream demo=http://127.0.0.1:9001 --admin-token-file ./admin.token
  BASE_DATABASE_URL=postgres://... base serve --desired desired-state/subnet.yaml`,
    )
    .action(
      action(async (flags: ServeFlags) => {
        const { parseUpstreamFlags } = await import('../../master/upstreams.ts');
        const { startMaster } = await import('../../master/master.ts');
        const { startServeWeightsLoop } = await import('../../master/serve-weights-loop.ts');
        const upstreams = parseUpstreamFlags(flags.upstream);
        const env = process.env;
        const useDocker = flags.docker && (flags.dockerHost !== undefined || upstreams.size === 0);
        const config: MasterConfig = {
          port: portNumber(flags.port ?? env.BASE_MASTER_PORT ?? String(DEFAULT_MASTER_PORT), flags.port ? '--port' : 'BASE_MASTER_PORT'),
          host: flags.host,
          desiredFile: flags.desired ?? env.BASE_DESIRED_STATE_FILE ?? DEFAULT_DESIRED_STATE_FILE,
          upstreams,
          adminTokenFile: flags.adminTokenFile ?? env.BASE_ADMIN_TOKEN_FILE ?? null,
          signingKeyFile: flags.signingKeyFile ?? env.BASE_MASTER_SIGNING_KEY_FILE ?? null,
          stateDir: flags.stateDir ?? env.BASE_STATE_DIR ?? null,
          dockerHost: useDocker ? (flags.dockerHost ?? env.DOCKER_HOST ?? 'unix:///var/run/docker.sock') : null,
          storeUrl: await readStoreUrl(env),
          probeIntervalMs: millis(flags.probeInterval, '--probe-interval', 1),
          probeTimeoutMs: millis(flags.probeTimeout, '--probe-timeout', 0.05),
          reconcileIntervalMs: millis(flags.reconcileInterval, '--reconcile-interval'),
          shutdownGraceMs: millis(flags.shutdownGrace, '--shutdown-grace'),
        };
        // Listen for the signals before starting, so one that arrives during start-up still stops cleanly.
        const signalled = new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        if (flags.forwardedProto !== undefined && flags.forwardedProto !== 'http' && flags.forwardedProto !== 'https') {
          throw new UserError(`--forwarded-proto: expected http or https, found ${JSON.stringify(flags.forwardedProto)}`);
        }
        if (flags.forwardedProto) config.forwardedProto = flags.forwardedProto;
        const weightsLoop = startServeWeightsLoop(config, flags.tokensDir ?? env.BASE_CHALLENGE_TOKENS_DIR ?? null);
        let master;
        try {
          master = await startMaster({ config, version: readPackageVersion(), ...(weightsLoop ? { weightsLoop } : {}) });
        } catch (error) {
          await weightsLoop?.stop();
          throw error;
        }
        await signalled;
        // A second signal while draining exits at once.
        const force = () => process.exit(1);
        process.once('SIGINT', force);
        process.once('SIGTERM', force);
        await master.stop();
        await weightsLoop?.stop();
        return 0;
      }),
    );
}
