/** Reading dockerode/docker-modem errors without ever echoing a request (a request body may carry a secret). */

export interface DockerErrorInfo {
  statusCode: number | null;
  /** The daemon's own message, e.g. "update out of sequence". */
  message: string;
}

export function dockerErrorInfo(error: unknown): DockerErrorInfo {
  const e = error as { statusCode?: unknown; json?: unknown; reason?: unknown; message?: unknown } | null;
  const statusCode = typeof e?.statusCode === 'number' ? e.statusCode : null;
  let message = '';
  const json = e?.json as { message?: unknown } | string | null | undefined;
  if (json && typeof json === 'object' && typeof json.message === 'string') message = json.message;
  else if (typeof json === 'string' && json.trim() !== '') message = json.trim();
  else if (typeof e?.message === 'string') message = e.message.replace(/^\(HTTP code \d+\)\s*/, '');
  return { statusCode, message: message || String(error) };
}

export function isNotFound(error: unknown): boolean {
  return dockerErrorInfo(error).statusCode === 404;
}

export function isConflict(error: unknown): boolean {
  const { statusCode, message } = dockerErrorInfo(error);
  return statusCode === 409 || /already exists|name conflicts/i.test(message);
}

/** Swarm's optimistic-concurrency failure: the object's Version moved since the plan was made. */
export function isVersionConflict(error: unknown): boolean {
  return /update out of sequence|version.*(mismatch|out of date)/i.test(dockerErrorInfo(error).message);
}

/** Removing a network that still has task endpoints (they leave a moment after their service is removed). */
export function isNetworkInUse(error: unknown): boolean {
  return /active endpoints|in use/i.test(dockerErrorInfo(error).message);
}

/** A short, secret-free description of a Docker failure. */
export function describeDockerError(error: unknown): string {
  const { statusCode, message } = dockerErrorInfo(error);
  return statusCode === null ? message : `Docker API ${statusCode}: ${message}`;
}

/** The engine socket/host could not be reached at all (no daemon, wrong --docker-host). */
export function isEngineUnreachable(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException | null;
  return e?.syscall === 'connect' || e?.code === 'ECONNREFUSED' || e?.code === 'EHOSTUNREACH';
}

export function engineUnreachableMessage(error: unknown, dockerHost: string | undefined): string {
  const where = dockerHost ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  return `cannot reach the Docker Engine at ${where} (${(error as Error).message}); is this a Swarm manager? use --docker-host`;
}
