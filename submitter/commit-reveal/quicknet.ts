/**
 * drand "quicknet", the beacon subtensor's timelocked commits are encrypted to (pallet Drand, `DefaultBeaconConfig`).
 * Signatures are BLS12-381 G1 points (48 bytes), the public key a G2 point (96 bytes); scheme
 * `bls-unchained-g1-rfc9380`. Sources: opentensor/subtensor `pallets/drand/src/lib.rs`, opentensor/bittensor-drand
 * `src/drand.rs`.
 */
export const QUICKNET = {
  chainHash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
  publicKey:
    '83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  /** Unix seconds of round 1. */
  genesisTime: 1692803367,
  periodSeconds: 3,
  /** RFC 9380 hash-to-G1 suite the beacon signs with (and the identity is hashed with). */
  hashToG1Dst: 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_',
} as const;

/** When round `round` is published (unix milliseconds): genesis + (round - 1) * period. */
export function roundPublishedAtMs(round: bigint): number {
  if (round < 1n) throw new RangeError(`drand round ${round}: rounds start at 1`);
  return (QUICKNET.genesisTime + Number(round - 1n) * QUICKNET.periodSeconds) * 1000;
}

/** The newest round published at unix time `ms` (0 before genesis). */
export function roundAt(ms: number): bigint {
  const seconds = Math.floor(ms / 1000);
  if (seconds < QUICKNET.genesisTime) return 0n;
  return BigInt(Math.floor((seconds - QUICKNET.genesisTime) / QUICKNET.periodSeconds) + 1);
}
