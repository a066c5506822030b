/**
 * Compile inputs that describe the manager host the plan is for: the Docker socket's group (the master joins it)
 * and the absolute path of the desired-state file (the master reads it through a bind mount). Both only when the
 * Engine is reached through a local unix socket: a remote Engine's host has neither this socket nor this file.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import type { CompileOptions } from './compile.ts';
import { localDockerSocketGid, socketPathOf } from './docker-socket-gid.ts';

export async function managerHostOptions(docker: Docker, desiredFile?: string): Promise<Pick<CompileOptions, 'dockerSocketGid' | 'desiredStateFile'>> {
  if ((await socketPathOf(docker)) === undefined) return {};
  const gid = await localDockerSocketGid(docker);
  return {
    ...(gid !== undefined ? { dockerSocketGid: gid } : {}),
    ...(desiredFile !== undefined ? { desiredStateFile: path.resolve(desiredFile) } : {}),
  };
}
