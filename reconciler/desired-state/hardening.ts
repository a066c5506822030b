/**
 * What a challenge's `hardening:` section may say, shared by `base validate` and the compiler: Linux capability
 * names (challenge services drop every capability; a challenge may add some back, written with or without the
 * `CAP_` prefix) and tmpfs mount paths.
 */
import path from 'node:path';

/** The capabilities of Linux 5.x/6.x (capabilities(7)), without the CAP_ prefix. */
export const LINUX_CAPABILITIES = [
  'AUDIT_CONTROL', 'AUDIT_READ', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'BPF', 'CHECKPOINT_RESTORE', 'CHOWN', 'DAC_OVERRIDE',
  'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE', 'LINUX_IMMUTABLE', 'MAC_ADMIN',
  'MAC_OVERRIDE', 'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_RAW', 'PERFMON', 'SETFCAP', 'SETGID',
  'SETPCAP', 'SETUID', 'SYSLOG', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_CHROOT', 'SYS_MODULE', 'SYS_NICE', 'SYS_PACCT',
  'SYS_PTRACE', 'SYS_RAWIO', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'WAKE_ALARM',
] as const;

/**
 * Capabilities that amount to control of the host (mounts and namespaces, the network stack, other processes'
 * memory, kernel modules, reading any file): a challenge runs on the manager next to the Docker socket, so
 * production refuses them. `ALL` would add every one of them.
 */
export const HOST_CONTROL_CAPABILITIES = ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'DAC_READ_SEARCH'] as const;

/** `net_bind_service`, `CAP_NET_BIND_SERVICE` → `NET_BIND_SERVICE`. */
export function bareCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice('CAP_'.length) : upper;
}

/** The form the Docker CLI sends and the Engine keeps in the service spec: `CAP_NET_BIND_SERVICE`. */
export function dockerCapability(name: string): string {
  return `CAP_${bareCapability(name)}`;
}

export function isKnownCapability(name: string): boolean {
  return (LINUX_CAPABILITIES as readonly string[]).includes(bareCapability(name));
}

/** True for `ALL` and the host-control capabilities, in any spelling. */
export function isRefusedInProduction(name: string): boolean {
  const bare = bareCapability(name);
  return bare === 'ALL' || (HOST_CONTROL_CAPABILITIES as readonly string[]).includes(bare);
}

/** Paths a tmpfs must not cover: the root, the challenge's volume, its secrets, and the kernel's filesystems. */
const TMPFS_FORBIDDEN = ['/data', '/run/secrets', '/proc', '/sys', '/dev'] as const;

/** `/var/cache/` → `/var/cache`; null when the path is not absolute or has `.`/`..` segments. */
export function normalizeTmpfsPath(target: string): string | null {
  if (!target.startsWith('/')) return null;
  if (target.split('/').some((segment) => segment === '.' || segment === '..')) return null;
  const normalized = path.posix.normalize(target);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** Why a tmpfs may not be mounted at this (normalized) path, or null when it may. */
export function tmpfsPathProblem(normalized: string): string | null {
  if (normalized === '/') return 'the root filesystem';
  for (const forbidden of TMPFS_FORBIDDEN) {
    if (normalized === forbidden || normalized.startsWith(`${forbidden}/`)) {
      return forbidden === '/data' ? "the challenge's data volume (/data)" : forbidden === '/run/secrets' ? 'its secrets (/run/secrets)' : `the kernel's ${forbidden}`;
    }
  }
  return null;
}
