/** The desired state the master serves from: loaded at start, reloaded when the file changes (checked on a timer). */
import { stat } from 'node:fs/promises';
import { loadDesiredState, type SubnetDesiredState } from '../desired-state/index.ts';

export interface DesiredSnapshot {
  file: string;
  state: SubnetDesiredState | null;
  /** Short reason the file could not be used (first problem, no values). */
  error: string | null;
}

export class DesiredSource {
  private snapshot: DesiredSnapshot;
  private mtimeMs = -1;

  constructor(readonly file: string) {
    this.snapshot = { file, state: null, error: 'not loaded yet' };
  }

  current(): DesiredSnapshot {
    return this.snapshot;
  }

  /** Reloads when the file's mtime moved; an invalid new file keeps the last valid state and reports the error. */
  async reload(): Promise<boolean> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(this.file)).mtimeMs;
    } catch (error) {
      this.snapshot = { ...this.snapshot, error: `cannot read ${this.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
      return false;
    }
    if (mtimeMs === this.mtimeMs) return false;
    this.mtimeMs = mtimeMs;
    const loaded = await loadDesiredState(this.file);
    if (loaded.ok) {
      this.snapshot = { file: this.file, state: loaded.state, error: null };
      return true;
    }
    const first = loaded.problems[0];
    const where = first ? `${first.file}:${first.line}:${first.column}` : this.file;
    this.snapshot = { ...this.snapshot, error: `invalid desired state at ${where} (${loaded.problems.length} problem(s); run base validate)` };
    return false;
  }
}
