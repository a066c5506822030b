import Docker from 'dockerode';
import { execa } from 'execa';
import type { TestbedEndpoints, TestbedWorker } from './endpoints.ts';

/** A dockerode client for the test bed's manager engine (or one worker's engine). */
export function testbedDocker(endpoints: TestbedEndpoints, worker?: TestbedWorker): Docker {
  return new Docker({ socketPath: worker ? worker.socket : endpoints.docker.socket });
}

/**
 * Runs the docker CLI against the test bed engine with the classic builder (no pulls). Returns stdout.
 * The CLI (28.x) negotiates down to the engine's API (1.41).
 */
export async function dockerCli(endpoints: TestbedEndpoints, args: string[], options: { cwd?: string; input?: string } = {}): Promise<string> {
  const result = await execa('docker', args, {
    env: { DOCKER_HOST: endpoints.docker.host, DOCKER_BUILDKIT: '0' },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    all: true,
  });
  return result.stdout;
}
