/**
 * One epoch's collection: every active challenge asked at once; one outcome per challenge, never a throw for a
 * challenge's failure.
 */
import { readFile } from 'node:fs/promises';
import type { Challenge } from '../../desired-state/index.ts';
import type { StateDir } from '../../state/index.ts';
import { fetchChallengeWeights, type FetchWeightsOptions, type FetchWeightsResult } from './fetch-weights.ts';

/** The port a challenge listens on when subnet.yaml names none (the schema's default). */
export const DEFAULT_CHALLENGE_PORT = 8000;

export interface CollectableChallenge {
  slug: string;
  port: number;
}

/** `http://challenge-<slug>:<port>`: the service name on the challenges' overlay (dnsrr). */
export function productionOrigin(challenge: CollectableChallenge): string {
  return `http://challenge-${challenge.slug}:${challenge.port}`;
}

/** The challenges whose weights count this epoch (status active), in the desired state's order. */
export function activeChallenges(
  challenges: readonly Challenge[],
): Array<CollectableChallenge & { emissionPercent: number; publishRawScores: boolean }> {
  return challenges
    .filter((challenge) => challenge.status === 'active')
    .map((challenge) => ({
      slug: challenge.slug,
      port: challenge.port ?? DEFAULT_CHALLENGE_PORT,
      emissionPercent: challenge.emission_percent,
      publishRawScores: challenge.publish_raw_scores !== false,
    }));
}

/** A challenge's shared token, as the reconciler minted it into its state folder. */
export type TokenSource = (slug: string) => Promise<string | null>;

export function stateDirTokens(state: StateDir): TokenSource {
  return async (slug) => {
    try {
      const value = (await readFile(state.tokenPath(slug), 'utf8')).trim();
      return value === '' ? null : value;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`cannot read the token of challenge ${slug} from the state folder: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
}

export interface CollectOptions extends FetchWeightsOptions {
  tokens: TokenSource;
  /** Where to reach a challenge; `productionOrigin` unless a test or relay says otherwise. */
  originFor?: (challenge: CollectableChallenge) => string;
}

/** Asks every challenge in parallel; the results keep the input order. */
export async function collectWeights(challenges: readonly CollectableChallenge[], options: CollectOptions): Promise<FetchWeightsResult[]> {
  const originFor = options.originFor ?? productionOrigin;
  return Promise.all(
    challenges.map(async (challenge): Promise<FetchWeightsResult> => {
      let token: string | null;
      try {
        token = await options.tokens(challenge.slug);
      } catch (error) {
        return { ok: false, slug: challenge.slug, attempts: 0, durationMs: 0, reason: (error as Error).message, status: null };
      }
      if (token === null) {
        return {
          ok: false,
          slug: challenge.slug,
          attempts: 0,
          durationMs: 0,
          reason: `no token for challenge ${challenge.slug} in the reconciler's state folder (run base apply, which mints it)`,
          status: null,
        };
      }
      return fetchChallengeWeights({ slug: challenge.slug, origin: originFor(challenge), token }, options);
    }),
  );
}
