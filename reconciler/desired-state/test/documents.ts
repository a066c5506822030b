/**
 * Small desired-state documents with known line numbers, for tests that assert positions.
 * HEADER is lines 1-11; `challenges:` is line 12; the first challenge starts on line 13 (`  - slug: alpha`).
 */
export const HEADER = `version: 1
subnet:
  name: t
  netuid: 1
  environment: development
  chain_endpoint: ws://127.0.0.1:9944
  epoch_interval_seconds: 60
master:
  image: reg.example/base/master:1.0.0
networks:
  - name: net-a
`;

/** Lines 13-17. */
export const ALPHA = `  - slug: alpha
    name: Alpha
    image: reg.example/base/alpha:1.0.0
    status: active
    emission_percent: 10
`;

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** HEADER, `challenges:`, then the given challenge lines (starting at line 13). */
export function withChallenges(block: string = ALPHA, header: string = HEADER): string {
  return `${header}challenges:\n${block}`;
}

/** The same header in production, every image pinned (line numbers unchanged). */
export const PRODUCTION_HEADER = HEADER.replace('environment: development', 'environment: production').replace(
  'master:1.0.0',
  `master:1.0.0@${DIGEST}`,
);

/** PRODUCTION_HEADER plus the database URL secret production requires (one line more: challenges start on line 14). */
export const VALID_PRODUCTION_HEADER = PRODUCTION_HEADER.replace(/(  image: reg\.example\/base\/master:[^\n]*\n)/, '$1  database_url_secret: base-database-url\n');

/** A production file with `count` pinned active challenges, each with resources, env and metadata (valid). */
export function manyChallenges(count: number): string {
  let block = '';
  for (let i = 0; i < count; i++) {
    block += ALPHA.replace('slug: alpha', `slug: challenge-${i}`)
      .replace('alpha:1.0.0', `c${i}:1.0.${i}@${DIGEST}`)
      .replace('emission_percent: 10', `emission_percent: ${100 / count}`)
      .concat(`    resources: { cpus: "1.5", memory: 2GiB, pids: 256 }\n    env: { LOG_LEVEL: info, WORKERS: ${i} }\n    metadata: { tagline: "Challenge ${i}" }\n`);
  }
  return withChallenges(block, VALID_PRODUCTION_HEADER);
}
