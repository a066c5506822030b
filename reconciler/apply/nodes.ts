/** Swarm node operations behind `base worker ...`: find by hostname or ID, merge labels, availability, join tokens. */
import type Docker from 'dockerode';
import { describeDockerError, isVersionConflict } from './docker-errors.ts';

export interface NodeSummary {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  state: string;
  address: string;
  manager: boolean;
  labels: Record<string, string>;
}

interface RawNodeInfo {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> | null; Name?: string };
  Description?: { Hostname?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

export class NodeNotFoundError extends Error {}

function summarize(node: RawNodeInfo): NodeSummary {
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? '',
    role: node.Spec?.Role ?? '',
    availability: node.Spec?.Availability ?? '',
    state: node.Status?.State ?? '',
    address: node.Status?.Addr ?? '',
    manager: node.ManagerStatus !== undefined,
    labels: { ...(node.Spec?.Labels ?? {}) },
  };
}

export async function listNodes(docker: Docker): Promise<NodeSummary[]> {
  const nodes = (await docker.listNodes()) as RawNodeInfo[];
  return nodes.map(summarize).sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}

/** A node by full ID, unique ID prefix, or hostname; an ambiguous or unknown reference is an error naming candidates. */
export async function findNode(docker: Docker, reference: string): Promise<RawNodeInfo> {
  const nodes = (await docker.listNodes()) as RawNodeInfo[];
  const byId = nodes.filter((n) => n.ID === reference);
  const byHost = nodes.filter((n) => n.Description?.Hostname === reference);
  const byPrefix = nodes.filter((n) => reference.length >= 4 && n.ID.startsWith(reference));
  const matches = byId.length ? byId : byHost.length ? byHost : byPrefix;
  if (matches.length === 1) return matches[0]!;
  const known = nodes.map((n) => `${n.Description?.Hostname ?? '?'} (${n.ID.slice(0, 12)})`).join(', ');
  if (matches.length === 0) throw new NodeNotFoundError(`no Swarm node named or with ID ${JSON.stringify(reference)}; nodes: ${known || 'none'}`);
  throw new NodeNotFoundError(`${JSON.stringify(reference)} matches ${matches.length} nodes (${known}); use the node ID`);
}

export async function inspectNode(docker: Docker, reference: string): Promise<unknown> {
  const node = await findNode(docker, reference);
  return docker.getNode(node.ID).inspect();
}

export interface NodeChange {
  setLabels?: Record<string, string>;
  removeLabels?: string[];
  availability?: 'active' | 'pause' | 'drain';
}

/** Updates a node's spec with its current Version (optimistic concurrency), keeping every label not named. */
export async function updateNode(docker: Docker, reference: string, change: NodeChange): Promise<NodeSummary> {
  const node = await findNode(docker, reference);
  const labels = { ...(node.Spec?.Labels ?? {}) };
  for (const key of change.removeLabels ?? []) delete labels[key];
  Object.assign(labels, change.setLabels ?? {});
  const spec = { ...node.Spec, Labels: labels, ...(change.availability ? { Availability: change.availability } : {}) };
  try {
    await docker.getNode(node.ID).update({ _query: { version: node.Version?.Index }, _body: spec } as never);
  } catch (error) {
    if (isVersionConflict(error)) throw new Error(`node ${reference} changed while being updated; run the command again`);
    throw new Error(`updating node ${reference}: ${describeDockerError(error)}`);
  }
  return summarize((await docker.getNode(node.ID).inspect()) as RawNodeInfo);
}

/** Removes a node from the Swarm. A manager, or a node still up, is refused unless forced (like `docker node rm`). */
export async function removeNode(docker: Docker, reference: string, force: boolean): Promise<NodeSummary> {
  const node = await findNode(docker, reference);
  const summary = summarize(node);
  if (summary.manager) throw new Error(`node ${summary.hostname} is a manager; demote it first (docker node demote), base worker rm only removes workers`);
  if (summary.state === 'ready' && !force) {
    throw new Error(`node ${summary.hostname} is still up (status ready): run "docker swarm leave" on it first, or drain it and pass --force`);
  }
  try {
    await docker.getNode(node.ID).remove({ force } as never);
  } catch (error) {
    throw new Error(`removing node ${reference}: ${describeDockerError(error)}`);
  }
  return summary;
}

export interface JoinInfo {
  token: string;
  /** host:port of a reachable manager. */
  managerAddress: string;
}

/** The worker join token (rotated first when asked) and a manager address for `docker swarm join`. */
export async function workerJoinInfo(docker: Docker, rotate: boolean): Promise<JoinInfo> {
  if (rotate) {
    const swarm = (await docker.swarmInspect()) as { Version?: { Index?: number }; Spec?: unknown };
    await docker.swarmUpdate({ _query: { version: swarm.Version?.Index, rotateWorkerToken: true }, _body: swarm.Spec } as never);
  }
  const swarm = (await docker.swarmInspect()) as { JoinTokens?: { Worker?: string } };
  const info = (await docker.info()) as { Swarm?: { NodeAddr?: string; RemoteManagers?: Array<{ Addr?: string }> | null; NodeID?: string } };
  const token = swarm.JoinTokens?.Worker;
  if (!token) throw new Error('the Swarm returned no worker join token (is this engine a Swarm manager?)');
  const managers = info.Swarm?.RemoteManagers ?? [];
  const address = managers.find((m) => m.Addr?.startsWith(`${info.Swarm?.NodeAddr ?? ''}:`))?.Addr ?? managers[0]?.Addr ?? `${info.Swarm?.NodeAddr}:2377`;
  return { token, managerAddress: address };
}
