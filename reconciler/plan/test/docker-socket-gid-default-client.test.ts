/**
 * The master's supplementary group comes from the socket the reconciler's Docker client really uses. A client made
 * without options (`base apply` with no --docker-host and no DOCKER_HOST, as `make demo` runs it) keeps a function
 * in `modem.socketPath` that picks the socket on first use; reading only a string there gave no group, and the
 * deployed master (user node) then got EACCES on the socket.
 */
import assert from 'node:assert/strict';
import { chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { localDockerSocketGid } from '../docker-socket-gid.ts';
import { managerHostOptions } from '../manager-host-options.ts';

// A group no file here has by accident, so that a gid read from the wrong file cannot match.
const SOCKET_GID = 4242;
let home: string;
let socket: string;
const saved = { HOME: process.env.HOME, DOCKER_HOST: process.env.DOCKER_HOST };

before(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'base-socket-gid-'));
  // docker-modem's default when DOCKER_HOST is unset: $HOME/.docker/run/docker.sock if it exists, else /var/run/docker.sock.
  socket = path.join(home, '.docker', 'run', 'docker.sock');
  await mkdir(path.dirname(socket), { recursive: true });
  await writeFile(socket, '');
  if (process.getuid?.() === 0) await chown(socket, 0, SOCKET_GID);
  process.env.HOME = home;
  delete process.env.DOCKER_HOST;
});

after(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await rm(home, { recursive: true, force: true });
});

test('a client made without options: the gid of the socket docker-modem resolves by default', async () => {
  const expected = (await stat(socket)).gid;
  if (process.getuid?.() === 0) assert.equal(expected, SOCKET_GID);
  const docker = new Docker();
  assert.equal(typeof (docker as unknown as { modem: { socketPath: unknown } }).modem.socketPath, 'function', 'precondition: the default client resolves its socket lazily');
  assert.equal(await localDockerSocketGid(docker), expected);
  assert.deepEqual(await managerHostOptions(docker), { dockerSocketGid: expected });
});

test('DOCKER_HOST=unix://PATH and an explicit socketPath: the gid of that file', async () => {
  const expected = (await stat(socket)).gid;
  assert.equal(await localDockerSocketGid(new Docker({ socketPath: socket })), expected);
  process.env.DOCKER_HOST = `unix://${socket}`;
  try {
    assert.equal(await localDockerSocketGid(new Docker()), expected);
  } finally {
    delete process.env.DOCKER_HOST;
  }
});

test('a remote Engine or a missing socket: no group', async () => {
  assert.equal(await localDockerSocketGid(new Docker({ host: '127.0.0.1', port: 2375, protocol: 'http' })), undefined);
  assert.deepEqual(await managerHostOptions(new Docker({ host: '127.0.0.1', port: 2375, protocol: 'http' })), {});
  assert.equal(await localDockerSocketGid(new Docker({ socketPath: path.join(home, 'no-such.sock') })), undefined);
});
