import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** One scored submission; the store keeps every one, the leaderboard and the weights use each hotkey's best. */
export interface Submission {
  id: number;
  hotkey: string;
  answer: number;
  score: number;
  submittedAt: number;
}

export interface LeaderboardRow {
  rank: number;
  hotkey: string;
  best_score: number;
  submissions: number;
  /** Unix ms of the first submission that reached the best score (earlier wins a tie). */
  best_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS submissions (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  hotkey       TEXT    NOT NULL,
  answer       REAL    NOT NULL,
  score        REAL    NOT NULL,
  submitted_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_by_hotkey ON submissions (hotkey, score DESC, submitted_at);
`;

export class ChallengeStore {
  readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, number, number, number]>;
  private readonly best: Database.Statement<[]>;
  private readonly countFor: Database.Statement<[string]>;

  /** Opens (creating when missing) the file, switches to WAL and creates the schema. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // The bundled image ships the native addon next to the bundle (see scripts/build.mjs).
    const nativeBinding = process.env.BETTER_SQLITE3_BINDING;
    this.db = new Database(path, nativeBinding ? { nativeBinding } : {});
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare('INSERT INTO submissions (hotkey, answer, score, submitted_at) VALUES (?, ?, ?, ?)');
    // Per hotkey: the best score, how many submissions, and when that best was first reached.
    this.best = this.db.prepare(`
      SELECT s.hotkey AS hotkey, s.score AS best_score, MIN(s.submitted_at) AS best_at,
             (SELECT COUNT(*) FROM submissions c WHERE c.hotkey = s.hotkey) AS submissions
      FROM submissions s
      WHERE s.score = (SELECT MAX(score) FROM submissions m WHERE m.hotkey = s.hotkey)
      GROUP BY s.hotkey
      ORDER BY best_score DESC, best_at ASC, hotkey ASC`);
    this.countFor = this.db.prepare('SELECT COUNT(*) AS n FROM submissions WHERE hotkey = ?');
  }

  journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  addSubmission(hotkey: string, answer: number, score: number, submittedAt: number): Submission {
    const info = this.insert.run(hotkey, answer, score, submittedAt);
    return { id: Number(info.lastInsertRowid), hotkey, answer, score, submittedAt };
  }

  submissionsOf(hotkey: string): number {
    return (this.countFor.get(hotkey) as { n: number }).n;
  }

  leaderboard(limit = 100): LeaderboardRow[] {
    const rows = this.best.all() as Array<Omit<LeaderboardRow, 'rank'>>;
    return rows.slice(0, limit).map((row, index) => ({ rank: index + 1, ...row }));
  }

  /** hotkey → best score, for every hotkey with a positive best (what the master aggregates). */
  weights(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of this.best.all() as Array<{ hotkey: string; best_score: number }>) {
      if (row.best_score > 0) out[row.hotkey] = row.best_score;
    }
    return out;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
