/**
 * A Docker engine of its own in a fresh network namespace on the test bed bridge (10.213.0.2xx), for the installer
 * tests: a host that is not yet in any Swarm. Same recipe as the test bed's workers (nsenter + unshare --uts, not
 * `ip netns exec`), and the same forward of the namespace's 127.0.0.1:5000 to the test bed registry's bridge
 * listener, so `127.0.0.1:5000/...@sha256:...` references pull there too. Names start with `base-itest-` / `t-`,
 * which testbed.sh never lists as its workers. stop() removes everything start made.
 */
import { execa } from 'execa';
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { readTestbedEndpoints } from '../../reconciler/testbed/endpoints.ts';

export interface NetnsEngine {
  /** Hostname of the engine (its Swarm node name). */
  hostname: string;
  netns: string;
  address: string;
  socket: string;
  dockerHost: string;
  /** Runs the docker CLI against this engine. */
  docker(args: string[], options?: { reject?: boolean }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Leaves any Swarm, stops the engine, removes its folders, veth and namespace. */
  stop(): Promise<void>;
}

export async function startNetnsEngine(role: string, options: { configFile?: string } = {}): Promise<NetnsEngine> {
  const endpoints = readTestbedEndpoints();
  const bridge = endpoints.bridge;
  const prefix = bridge.address.split('.').slice(0, 3).join('.');
  const id = randomBytes(2).toString('hex');
  const hostname = `t-${role}-${id}`;
  const netns = `base-itest-${role}-${id}`;
  const veth = `bit${id}${role.slice(0, 2)}`;
  const address = `${prefix}.${randomInt(200, 250)}`;
  const root = `/var/lib/base-itest/${hostname}`;
  const execRoot = `/var/run/base-itest-${hostname}`;
  const socket = `/var/run/base-itest-${hostname}.sock`;
  const pidfile = `/var/run/base-itest-${hostname}.pid`;
  const run = (cmd: string, args: string[]) => execa(cmd, args);
  const inNs = ['--net=/var/run/netns/' + netns];

  const stop = async () => {
    await execa('docker', ['-H', `unix://${socket}`, 'swarm', 'leave', '--force'], { reject: false, timeout: 30_000 });
    let pid = 0;
    try {
      pid = Number(readFileSync(pidfile, 'utf8').trim());
    } catch {
      // never started
    }
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
      for (let i = 0; i < 150; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await sleep(200);
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // stopped
      }
    }
    // /var/run is a link to /run: mounts are listed under their real path.
    const owned = [root, execRoot, execRoot.replace(/^\/var\/run\//, '/run/')];
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((m) => owned.some((prefix) => m === prefix || m.startsWith(`${prefix}/`)))
      .sort()
      .reverse();
    for (const mount of mounts) await execa('umount', ['-l', mount], { reject: false });
    await rm(root, { recursive: true, force: true });
    await rm(execRoot, { recursive: true, force: true });
    await rm(socket, { force: true });
    await rm(pidfile, { force: true });
    await execa('ip', ['link', 'del', 'dev', veth], { reject: false });
    await execa('ip', ['netns', 'del', netns], { reject: false });
  };

  try {
    await run('ip', ['netns', 'add', netns]);
    await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}n`]);
    await run('ip', ['link', 'set', 'dev', `${veth}n`, 'netns', netns]);
    await run('ip', ['-n', netns, 'link', 'set', 'dev', `${veth}n`, 'name', 'eth0']);
    await run('ip', ['link', 'set', 'dev', veth, 'master', bridge.name, 'up']);
    await run('ip', ['-n', netns, 'link', 'set', 'dev', 'lo', 'up']);
    await run('ip', ['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    await run('ip', ['-n', netns, 'link', 'set', 'dev', 'eth0', 'up']);
    await run('ip', ['-n', netns, 'route', 'add', 'default', 'via', bridge.address]);
    // 127.0.0.1:5000 inside the namespace -> the registry's bridge listener.
    await run('nsenter', [...inNs, 'sh', '-c', 'echo 1 >/proc/sys/net/ipv4/conf/all/route_localnet']);
    await run('nsenter', [...inNs, 'iptables', '-t', 'nat', '-I', 'OUTPUT', '-d', '127.0.0.1/32', '-p', 'tcp', '--dport', '5000', '-j', 'DNAT', '--to-destination', `${bridge.address}:5000`]);
    await run('nsenter', [...inNs, 'iptables', '-t', 'nat', '-I', 'POSTROUTING', '-s', '127.0.0.1/32', '-d', `${bridge.address}/32`, '-p', 'tcp', '--dport', '5000', '-j', 'SNAT', '--to-source', address]);

    await run('mkdir', ['-p', root]);
    const log = openSync(`${root}/dockerd.log`, 'a');
    try {
      await execa('setsid', ['-f', 'nsenter', ...inNs, 'unshare', '--uts', 'sh', '-c', 'hostname "$1"; shift; exec dockerd "$@"', 'sh', hostname,
        '--data-root', `${root}/docker`, '--exec-root', execRoot, '--pidfile', pidfile, '-H', `unix://${socket}`,
        ...(options.configFile ? ['--config-file', options.configFile] : [])], { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const deadline = Date.now() + 90_000;
    while ((await execa('docker', ['-H', `unix://${socket}`, 'info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 10_000 })).exitCode !== 0) {
      if (Date.now() > deadline) throw new Error(`dockerd in ${netns} did not answer within 90s (log: ${root}/dockerd.log)`);
      await sleep(250);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    hostname,
    netns,
    address,
    socket,
    dockerHost: `unix://${socket}`,
    docker: (args, options = {}) => execa('docker', ['-H', `unix://${socket}`, ...args], { reject: options.reject ?? true, env: { DOCKER_BUILDKIT: '0' } }),
    stop,
  };
}
