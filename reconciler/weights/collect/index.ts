/** Collection of the challenges' weights over HTTP. */
export { collectWeights, activeChallenges, productionOrigin, stateDirTokens, DEFAULT_CHALLENGE_PORT } from './collect.ts';
export type { CollectableChallenge, CollectOptions, TokenSource } from './collect.ts';
export { fetchChallengeWeights, FETCH_DEFAULTS, GET_WEIGHTS_PATH, SLUG_HEADER } from './fetch-weights.ts';
export type { FetchWeightsOptions, FetchWeightsResult, FetchWeightsTarget } from './fetch-weights.ts';
export { parseWeightsBody, InvalidWeightsBodyError } from './parse-weights-body.ts';
export type { ChallengeWeightsBody } from './parse-weights-body.ts';
export { looksLikeSs58, SS58_MIN_LENGTH, SS58_MAX_LENGTH } from './hotkey-shape.ts';
export { weightKeyProblem, MAX_WEIGHT_KEY_LENGTH } from './weight-key-bounds.ts';
