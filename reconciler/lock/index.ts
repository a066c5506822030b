export {
  DEFAULT_LOCK_TTL_MS,
  LOCK_FILE,
  LockBusyError,
  acquireApplyLock,
  breakApplyLock,
  describeHolder,
  lockPath,
  readLockHolder,
  staleReason,
  type AcquireOptions,
  type HeldLock,
  type LockHolder,
} from './apply-lock.ts';
