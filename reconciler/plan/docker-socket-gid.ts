/**
 * The group owning the Docker socket, for the master's `Groups` (compile takes it as an input to stay pure). Only
 * for a local unix socket: a remote Engine's socket is not ours to stat, and the master then gets no extra group.
 */
import { statSync } from 'node:fs';
import type Docker from 'dockerode';

export function localDockerSocketGid(docker: Docker): number | undefined {
  const socketPath = (docker as unknown as { modem?: { socketPath?: unknown } }).modem?.socketPath;
  if (typeof socketPath !== 'string' || socketPath === '') return undefined;
  try {
    return statSync(socketPath).gid;
  } catch {
    return undefined;
  }
}

/** `{ dockerSocketGid }` for compile's options, or nothing. */
export function dockerSocketGidOption(docker: Docker): { dockerSocketGid?: number } {
  const gid = localDockerSocketGid(docker);
  return gid === undefined ? {} : { dockerSocketGid: gid };
}
