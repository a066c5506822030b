import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `deploy/testbed/testbed.sh` keeps its state (same default and override as the script). */
export function testbedStateDir(): string {
  return process.env.BASE_TESTBED_DIR?.replace(/\/+$/, '') || '/var/lib/base-testbed';
}

export function testbedEndpointsPath(): string {
  return join(testbedStateDir(), 'endpoints.json');
}

export interface TestbedWorker {
  /** Swarm hostname, e.g. `worker-cpu-1`. */
  hostname: string;
  /** That worker's own Docker engine socket, e.g. `/var/run/docker-worker-cpu-1.sock`. */
  socket: string;
  dockerHost: string;
  /** Its address on the test bed bridge, e.g. `10.213.0.11`. */
  address: string;
  namespace: string;
  nodeId: string;
}

export interface TestbedEndpoints {
  stateDir: string;
  docker: { socket: string; host: string; apiVersion: string; engineVersion: string };
  swarm: { advertiseAddr: string; joinAddr: string; managerNodeId: string };
  registry: { address: string; url: string };
  /** `url` carries the password: never log it. */
  database: { url: string; host: string; port: number; database: string; user: string; passwordFile: string };
  baseImage: {
    /** Local tag to use as `--build-arg BASE_IMAGE=...`, e.g. `base/node-runtime:20.20.2`. */
    ref: string;
    id: string;
    nodeVersion: string;
    /** The same image in the local registry, `127.0.0.1:5000/base/node-runtime:<v>@sha256:...`. */
    registryRef: string;
    digest: string;
  };
  bridge: { name: string; address: string; cidr: string };
  workers: TestbedWorker[];
}

/** Reads the endpoints the test bed wrote; fails with what to run when it is not up. */
export function readTestbedEndpoints(path = testbedEndpointsPath()): TestbedEndpoints {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`${path}: not found; the test bed is not up. Run \`make testbed-up\` (deploy/testbed/testbed.sh up) first.`);
    }
    throw new Error(`${path}: cannot read the test bed endpoints (${code ?? String(error)}); the file is root-only (0600).`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message}); run \`make testbed-up\` to rewrite it.`);
  }
  return checkEndpoints(data, path);
}

function checkEndpoints(data: unknown, path: string): TestbedEndpoints {
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new Error(`${path}: field ${field}: expected ${expected}, found ${JSON.stringify(found)}; run \`make testbed-up\`.`);
  };
  const object = (value: unknown, field: string): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(field, 'an object', value);
  const text = (parent: Record<string, unknown>, key: string, field: string): string => {
    const value = parent[key];
    return typeof value === 'string' && value.length > 0 ? value : fail(`${field}.${key}`, 'a non-empty string', value);
  };
  const strings = <K extends string>(parent: Record<string, unknown>, field: string, keys: readonly K[]): Record<K, string> =>
    Object.fromEntries(keys.map((key) => [key, text(parent, key, field)])) as Record<K, string>;

  const root = object(data, '(root)');
  const database = object(root.database, 'database');
  const port = database.port;
  if (typeof port !== 'number' || !Number.isInteger(port)) fail('database.port', 'an integer', port);
  const workers = Array.isArray(root.workers) ? root.workers : fail('workers', 'an array', root.workers);
  return {
    stateDir: text(root, 'stateDir', '(root)'),
    docker: strings(object(root.docker, 'docker'), 'docker', ['socket', 'host', 'apiVersion', 'engineVersion'] as const),
    swarm: strings(object(root.swarm, 'swarm'), 'swarm', ['advertiseAddr', 'joinAddr', 'managerNodeId'] as const),
    registry: strings(object(root.registry, 'registry'), 'registry', ['address', 'url'] as const),
    database: { ...strings(database, 'database', ['url', 'host', 'database', 'user', 'passwordFile'] as const), port: port as number },
    baseImage: strings(object(root.baseImage, 'baseImage'), 'baseImage', ['ref', 'id', 'nodeVersion', 'registryRef', 'digest'] as const),
    bridge: strings(object(root.bridge, 'bridge'), 'bridge', ['name', 'address', 'cidr'] as const),
    workers: workers.map((worker, index) =>
      strings(object(worker, `workers[${index}]`), `workers[${index}]`, ['hostname', 'socket', 'dockerHost', 'address', 'namespace', 'nodeId'] as const),
    ),
  };
}
