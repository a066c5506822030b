/**
 * The group owning the Docker socket, for the master's `Groups` (compile takes it as an input to stay pure). Only
 * for a local unix socket: a remote Engine's socket is not ours to stat, and the master then gets no extra group.
 */
import { stat } from 'node:fs/promises';
import type Docker from 'dockerode';

interface ModemSocket {
  socketPath?: unknown;
  getSocketPath?: () => Promise<unknown> | undefined;
}

/**
 * The socket path the client connects to, resolved the way docker-modem resolves it: a client made without options
 * (no `--docker-host`, no DOCKER_HOST) holds a function there, not a string, that picks the socket on first use.
 */
export async function socketPathOf(docker: Docker): Promise<string | undefined> {
  const modem = (docker as unknown as { modem?: ModemSocket }).modem;
  if (!modem?.socketPath) return undefined;
  const resolved = typeof modem.getSocketPath === 'function' ? await modem.getSocketPath() : modem.socketPath;
  return typeof resolved === 'string' && resolved !== '' ? resolved : undefined;
}

export async function localDockerSocketGid(docker: Docker): Promise<number | undefined> {
  const socketPath = await socketPathOf(docker);
  if (socketPath === undefined) return undefined;
  try {
    return (await stat(socketPath)).gid;
  } catch {
    return undefined;
  }
}
