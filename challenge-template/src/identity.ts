/**
 * Who this challenge is. `base challenge create` replaces the slug and the name in this file (and everywhere else in
 * the template) when it renders a new challenge; the version follows package.json.
 */
export const CHALLENGE_SLUG = 'example-challenge';
export const CHALLENGE_NAME = 'Example Challenge';
export const CHALLENGE_VERSION = '0.1.0';

/** Version of the contract with the master this code implements (`/health`, `/version`, `/internal/v1/get_weights`). */
export const API_VERSION = '1.0';
/** Version (SemVer) of the BASE challenge template this challenge was generated from. */
export const SDK_VERSION = '1.0.0';
/** What this challenge offers the master, as the reference platform names it: a weights endpoint, public routes. */
export const CAPABILITIES = ['get_weights', 'proxy_routes'] as const;
