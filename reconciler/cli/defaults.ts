/**
 * Constants the commands need while only declaring themselves (defaults shown in --help). They live here, free of
 * imports, so that start-up does not load the modules that own them; test/defaults-match-owners.test.ts keeps the
 * copies equal to the originals.
 */

/** Same as DEFAULT_DESIRED_STATE_FILE in reconciler/desired-state/index.ts. */
export const DEFAULT_DESIRED_STATE_FILE = 'desired-state/subnet.yaml';

/** Same as STORE_URL_ENV in reconciler/store/open-store.ts. */
export const STORE_URL_ENV = 'BASE_DATABASE_URL';
