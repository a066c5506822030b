import type { Command } from 'commander';
import { DEFAULT_DESIRED_STATE_FILE } from '../defaults.ts';
import { action, UserError } from '../action.ts';

interface BrokerServeFlags {
  port: string;
  host: string;
  desired?: string;
  tokenHashes: string;
  dockerHost?: string;
  encryptRunNetworks: boolean;
}

/** `base broker serve`: the evaluation-job broker's HTTP routes (reference-compatible), running jobs on Swarm workers. */
export function register(program: Command): void {
  const broker = program.command('broker').description('The evaluation-job broker');
  broker
    .command('serve')
    .description("Serve the broker's reference-compatible routes: GET /health, POST /v1/docker/run, /v1/docker/cleanup, /v1/docker/list")
    .option('--port <port>', 'listening port', '8082')
    .option('--host <address>', 'listening address', '0.0.0.0')
    .option('--desired <file>', `the applied desired state: grants (jobs:), broker defaults and caps (default: $BASE_DESIRED_STATE_FILE or ${DEFAULT_DESIRED_STATE_FILE})`)
    .requiredOption('--token-hashes <file>', 'JSON object slug → sha256 hex of that challenge\'s broker token (the broker never holds a token)')
    .option('--docker-host <url>', 'Docker Engine of a Swarm manager (default: DOCKER_HOST or the local socket)')
    .option('--no-encrypt-run-networks', 'create per-run overlays without IPsec (only where the kernel has no XFRM, as on the test bed)')
    .action(
      action(async (flags: BrokerServeFlags) => {
        const port = Number(flags.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port: expected a port number, found ${JSON.stringify(flags.port)}`);
        const desired = flags.desired ?? process.env.BASE_DESIRED_STATE_FILE ?? DEFAULT_DESIRED_STATE_FILE;
        const [{ policyFromFiles }, { createBrokerServer }, { SwarmRunBackend }, { dockerClient }, { reapOnce }] = await Promise.all([
          import('../../broker/policy-file.ts'),
          import('../../broker/server.ts'),
          import('../../broker/swarm-backend.ts'),
          import('../../live/observe.ts'),
          import('../../broker/reap-once.ts'),
        ]);
        const policy = policyFromFiles(desired, flags.tokenHashes);
        try {
          policy();
        } catch (error) {
          throw new UserError(`cannot load the broker policy: ${error instanceof Error ? error.message : String(error)}`);
        }
        const docker = dockerClient(flags.dockerHost ?? process.env.DOCKER_HOST);
        // Swarm jobs (ReplicatedJob) remove cleanly only where every node runs Engine 24 or later.
        const nodes = (await docker.listNodes()) as Array<{ Description?: { Engine?: { EngineVersion?: string } } }>;
        const allModern = nodes.length > 0 && nodes.every((n) => Number((n.Description?.Engine?.EngineVersion ?? '0').split('.')[0]) >= 24);
        const backend = new SwarmRunBackend(docker);
        const server = createBrokerServer({ policy, backend, mode: allModern ? 'replicated-job' : 'replicated', encryptNetwork: flags.encryptRunNetworks });
        await new Promise<void>((resolve) => server.listen(port, flags.host, resolve));
        // The reaper: deadlines, queue timeouts, retention and promotion, decided from Swarm objects every 5 s.
        let reaping = false;
        const reaper = setInterval(() => {
          if (reaping) return;
          reaping = true;
          reapOnce(backend, policy(), Date.now() / 1000)
            .then((reports) => {
              for (const { action, error } of reports) {
                process.stderr.write(`broker: reaper ${action.kind} run ${action.runId}${'outcome' in action ? ` (${action.outcome}: ${action.reason})` : ''}${error ? ` failed: ${error}` : ''}\n`);
              }
            })
            .catch((error: unknown) => process.stderr.write(`broker: reaper pass failed: ${error instanceof Error ? error.message : String(error)}\n`))
            .finally(() => {
              reaping = false;
            });
        }, 5000);
        process.stderr.write(`broker: listening on ${flags.host}:${port} (${allModern ? 'replicated-job' : 'replicated, restart none'} runs)\n`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            clearInterval(reaper);
            server.close(() => resolve());
          };
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
        return 0;
      }),
    );
}
