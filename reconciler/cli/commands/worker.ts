import type { Command } from 'commander';
import { findNode, inspectNode, listNodes, removeNode, updateNode, workerJoinInfo, type NodeSummary } from '../../apply/nodes.ts';
import { engineUnreachableMessage, isEngineUnreachable } from '../../apply/docker-errors.ts';
import { action, UserError } from '../action.ts';

const WORKLOAD_LABEL = 'base.workload';

/** `base worker token|list|inspect|label|drain|activate|rm`: manual enrolment and care of Swarm worker nodes. */
export function register(program: Command): void {
  const worker = program
    .command('worker')
    .description('Enrol and manage Swarm worker nodes (join command, list, inspect, labels, drain, remove)')
    .option('--docker-host <url>', 'Docker Engine of a Swarm manager (default: DOCKER_HOST or /var/run/docker.sock)')
    .addHelpText(
      'after',
      `
Workers that run challenge workloads are declared in subnet.yaml (workers: hostname, workload cpu|gpu, labels,
availability); base apply then keeps their labels and availability. These commands act directly on the Swarm.

Examples:
  base worker token --cpu            # prints the docker swarm join command to run on the new machine
  base worker list
  base worker label worker-cpu-1 zone=eu tier=fast
  base worker drain worker-cpu-1
  base worker rm worker-cpu-1`,
    );
  // Docker's client is loaded only when a sub-command runs, not at start-up.
  const docker = async () => (await import('../../live/index.ts')).dockerClient((worker.opts() as { dockerHost?: string }).dockerHost);

  worker
    .command('token')
    .description('Print the `docker swarm join` command for a new CPU or GPU worker')
    .option('--cpu', 'the new worker runs CPU workloads')
    .option('--gpu', 'the new worker runs GPU workloads')
    .option('--rotate', 'rotate the worker join token first (invalidates the old one for new joins)')
    .option('--show-token', 'print the token even when stdout is not a terminal')
    .addHelpText('after', '\nThe join token is a credential: it is printed only on a terminal or with --show-token.')
    .action(
      action(async (options: { cpu?: boolean; gpu?: boolean; rotate?: boolean; showToken?: boolean }) => {
        if (Boolean(options.cpu) === Boolean(options.gpu)) throw new UserError('say which kind of worker: exactly one of --cpu or --gpu');
        const workload = options.gpu ? 'gpu' : 'cpu';
        const join = await workerJoinInfo(await docker(), Boolean(options.rotate)).catch(toUserError);
        const show = Boolean(options.showToken) || process.stdout.isTTY === true;
        const token = show ? join.token : '<hidden: use --show-token>';
        if (options.rotate) process.stderr.write('worker join token rotated\n');
        process.stdout.write(`docker swarm join --token ${token} ${join.managerAddress}\n`);
        process.stderr.write(
          `# then declare the node in subnet.yaml (workers: - hostname: <its hostname>, workload: ${workload}) and run base apply,\n` +
            `# or label it now: base worker label <its hostname> ${WORKLOAD_LABEL}=${workload}\n`,
        );
        return 0;
      }),
    );

  worker
    .command('list')
    .description('List the Swarm nodes with role, availability, status and workload')
    .option('--json', 'print the list as JSON')
    .action(
      action(async (options: { json?: boolean }) => {
        const nodes = await listNodes(await docker()).catch(toUserError);
        if (options.json) process.stdout.write(`${JSON.stringify(nodes, null, 2)}\n`);
        else process.stdout.write(formatTable(nodes));
        return 0;
      }),
    );

  worker
    .command('inspect')
    .description('Print a node as the Docker Engine API reports it (JSON)')
    .argument('<node>', 'hostname or node ID')
    .action(
      action(async (reference: string) => {
        process.stdout.write(`${JSON.stringify(await inspectNode(await docker(), reference).catch(toUserError), null, 2)}\n`);
        return 0;
      }),
    );

  worker
    .command('label')
    .description('Set (key=value) or remove (key-) node labels, keeping every other label')
    .argument('<node>', 'hostname or node ID')
    .argument('<labels...>', 'key=value to set, key- to remove')
    .action(
      action(async (reference: string, pairs: string[]) => {
        const setLabels: Record<string, string> = {};
        const removeLabels: string[] = [];
        for (const pair of pairs) {
          const eq = pair.indexOf('=');
          if (eq > 0) setLabels[pair.slice(0, eq)] = pair.slice(eq + 1);
          else if (pair.endsWith('-') && pair.length > 1) removeLabels.push(pair.slice(0, -1));
          else throw new UserError(`label ${JSON.stringify(pair)}: expected key=value (set) or key- (remove)`);
        }
        const node = await updateNode(await docker(), reference, { setLabels, removeLabels }).catch(toUserError);
        process.stdout.write(`${node.hostname}: labels ${formatLabels(node.labels)}\n`);
        return 0;
      }),
    );

  for (const [name, availability, help] of [
    ['drain', 'drain', 'Drain a node: Swarm moves its tasks elsewhere and schedules nothing new on it'],
    ['pause', 'pause', 'Pause a node: keeps its tasks, schedules nothing new on it'],
    ['activate', 'active', 'Make a drained or paused node active again'],
  ] as const) {
    worker
      .command(name)
      .description(help)
      .argument('<node>', 'hostname or node ID')
      .action(
        action(async (reference: string) => {
          const node = await updateNode(await docker(), reference, { availability }).catch(toUserError);
          process.stdout.write(`${node.hostname}: availability ${node.availability}\n`);
          return 0;
        }),
      );
  }

  worker
    .command('rm')
    .description('Remove a worker node from the Swarm (it should have left, or be drained and --force)')
    .argument('<node>', 'hostname or node ID')
    .option('--force', 'remove a node that is still up')
    .action(
      action(async (reference: string, options: { force?: boolean }) => {
        await findNode(await docker(), reference).catch(toUserError);
        const node = await removeNode(await docker(), reference, Boolean(options.force)).catch(toUserError);
        process.stdout.write(`${node.hostname}: removed from the Swarm\n`);
        return 0;
      }),
    );
}

function toUserError(error: unknown): never {
  if (isEngineUnreachable(error)) throw new UserError(engineUnreachableMessage(error, undefined));
  throw new UserError(error instanceof Error ? error.message : String(error));
}

function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return keys.length ? keys.map((k) => `${k}=${labels[k]}`).join(',') : '-';
}

function formatTable(nodes: NodeSummary[]): string {
  const rows = [
    ['HOSTNAME', 'ID', 'ROLE', 'AVAILABILITY', 'STATUS', 'WORKLOAD', 'LABELS'],
    ...nodes.map((n) => [n.hostname, n.id.slice(0, 12), n.role, n.availability, n.state, n.labels[WORKLOAD_LABEL] ?? '-', formatLabels(n.labels)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
