/** The weights epoch: `floor(unix_seconds / interval)`, the same number on every master and validator. */
export function epochOf(at: Date, intervalSeconds: number): number {
  checkInterval(intervalSeconds);
  return Math.floor(at.getTime() / 1000 / intervalSeconds);
}

/** When `epoch` starts. */
export function epochStart(epoch: number, intervalSeconds: number): Date {
  checkInterval(intervalSeconds);
  return new Date(epoch * intervalSeconds * 1000);
}

function checkInterval(intervalSeconds: number): void {
  if (!(intervalSeconds > 0) || !Number.isFinite(intervalSeconds)) {
    throw new RangeError(`epoch interval is ${intervalSeconds} s; expected a positive number of seconds (subnet.epoch_interval_seconds)`);
  }
}
