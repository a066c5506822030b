/**
 * The thin executor: the only broker module that talks to Docker. It lists the broker's runs (services labelled
 * base.managed-by=base-broker, with their tasks), creates a compiled run (network first, service second, the network
 * rolled back when the service fails), reads a run's logs with stdout and stderr apart, and removes a run. It decides
 * nothing.
 */
import type Docker from 'dockerode';
import { BROKER_MANAGER, RUN_LABELS, type CompiledRun } from './compile-run.ts';
import { viewRun, type RunService, type RunTask, type RunView } from './run-state.ts';

export interface RunLogs {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

export class SwarmRunBackend {
  constructor(private readonly docker: Docker) {}

  async listRuns(filter: { slug?: string; jobId?: string } = {}): Promise<Array<RunView & { image: string; taskId: string | null; labels: Record<string, string> }>> {
    const label = [`${RUN_LABELS.managedBy}=${BROKER_MANAGER}`];
    if (filter.slug !== undefined) label.push(`${RUN_LABELS.slug}=${filter.slug}`);
    if (filter.jobId !== undefined) label.push(`${RUN_LABELS.job}=${filter.jobId}`);
    const services = (await this.docker.listServices({ filters: { label } })) as unknown as Array<RunService & { Spec: { TaskTemplate?: { ContainerSpec?: { Image?: string } } } }>;
    if (services.length === 0) return [];
    const tasks = (await this.docker.listTasks({ filters: { service: services.map((s) => s.ID) } })) as unknown as RunTask[];
    const views = [];
    for (const service of services) {
      const view = viewRun(service, tasks);
      if (!view) continue;
      const labels = service.Spec.Labels ?? {};
      views.push({ ...view, image: service.Spec.TaskTemplate?.ContainerSpec?.Image ?? '', taskId: labels[RUN_LABELS.task] ?? null, labels });
    }
    return views;
  }

  /** The run's current view, or null when its service is gone (removed by cleanup, retention or by hand). */
  async viewRun(serviceId: string): Promise<RunView | null> {
    let service: RunService;
    try {
      service = (await this.docker.getService(serviceId).inspect()) as RunService;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
    const tasks = (await this.docker.listTasks({ filters: { service: [serviceId] } })) as unknown as RunTask[];
    return viewRun(service, tasks);
  }

  async listRunNetworks(): Promise<Array<{ id: string; name: string; runId: string }>> {
    const networks = await this.docker.listNetworks({ filters: { label: [`${RUN_LABELS.managedBy}=${BROKER_MANAGER}`] } });
    return networks.flatMap((n) => {
      const runId = n.Labels?.[RUN_LABELS.run];
      return runId === undefined ? [] : [{ id: n.Id, name: n.Name, runId }];
    });
  }

  /** Creates the run's network (if it has one) and its service; returns the service id. */
  async create(compiled: CompiledRun): Promise<string> {
    let networkId: string | null = null;
    if (compiled.network) networkId = (await this.docker.createNetwork(compiled.network)).id;
    try {
      const created = (await this.docker.createService(compiled.service)) as unknown as { id?: string; ID?: string };
      const id = created.id ?? created.ID;
      if (!id) throw new Error(`Swarm created ${compiled.service.Name} without returning its id`);
      return id;
    } catch (error) {
      if (networkId) await this.docker.getNetwork(networkId).remove().catch(() => undefined);
      throw error;
    }
  }

  /** Removes the run's service, then its network (which Swarm refuses to remove while a task still holds it). */
  async remove(serviceId: string, networkName: string | null): Promise<void> {
    await this.docker
      .getService(serviceId)
      .remove()
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error;
      });
    if (networkName) await removeNetworkWhenFree(this.docker, networkName);
  }

  async removeNetwork(networkId: string): Promise<void> {
    await this.docker
      .getNetwork(networkId)
      .remove()
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error;
      });
  }

  /** A queued run (zero replicas) gets its one replica (or its one concurrent job). */
  async promote(serviceId: string): Promise<void> {
    const service = this.docker.getService(serviceId);
    const inspected = (await service.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> & { Mode?: { Replicated?: { Replicas?: number }; ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number } } } };
    const spec = structuredClone(inspected.Spec);
    if (spec.Mode?.ReplicatedJob) spec.Mode.ReplicatedJob.MaxConcurrent = 1;
    else spec.Mode = { Replicated: { Replicas: 1 } };
    await service.update({ version: inspected.Version.Index, ...spec });
  }

  /** The run's output so far, stdout and stderr apart, each capped to its last `capBytes`. */
  async logs(serviceId: string, capBytes: number): Promise<RunLogs> {
    const raw = (await this.docker.getService(serviceId).logs({ stdout: true, stderr: true, follow: false, timestamps: false })) as unknown as Buffer;
    return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)), capBytes);
  }
}

async function removeNetworkWhenFree(docker: Docker, name: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      await docker.getNetwork(name).remove();
      return;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) return;
      // 403/409/500 while the task's endpoint is still attached: the reaper removes it later if this gives up.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Docker's multiplexed log stream: 8-byte frames [stream, 0, 0, 0, size BE32] then the payload. */
export function demuxLogs(raw: Buffer, capBytes: number): RunLogs {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const stream = raw[offset];
    const size = raw.readUInt32BE(offset + 4);
    const payload = raw.subarray(offset + 8, offset + 8 + size);
    (stream === 2 ? err : out).push(payload);
    offset += 8 + size;
  }
  const tail = (parts: Buffer[]) => {
    const all = Buffer.concat(parts);
    return { text: all.subarray(Math.max(0, all.length - capBytes)).toString('utf8'), cut: all.length > capBytes };
  };
  const stdout = tail(out);
  const stderr = tail(err);
  return { stdout: stdout.text, stderr: stderr.text, truncated: stdout.cut || stderr.cut };
}
