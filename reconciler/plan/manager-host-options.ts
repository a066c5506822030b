/**
 * Compile inputs that describe the manager host the plan is for: the Docker socket's group (the master joins it)
 * and the folder of the reconciler's applied desired-state copy (bind-mounted into the master). Both only when the
 * Engine is reached through a local unix socket: a remote Engine's host has neither this socket nor this folder.
 */
import type Docker from 'dockerode';
import type { CompileOptions } from './compile.ts';
import { localDockerSocketGid, socketPathOf } from './docker-socket-gid.ts';

export async function managerHostOptions(
  docker: Docker,
  state?: { appliedDesiredStateDir(): string },
): Promise<Pick<CompileOptions, 'dockerSocketGid' | 'appliedDesiredStateDir'>> {
  if ((await socketPathOf(docker)) === undefined) return {};
  const gid = await localDockerSocketGid(docker);
  return {
    ...(gid !== undefined ? { dockerSocketGid: gid } : {}),
    ...(state !== undefined ? { appliedDesiredStateDir: state.appliedDesiredStateDir() } : {}),
  };
}
