// The weights pipeline's pure core: what the master seals and what validators verify. Stable entry point.
export { aggregateChallengeWeights, buildZeroMinerWeights, AggregationInputError, ZeroMinerWeightError, BURN_UID, EPS } from './aggregate.ts';
export type { AggregationOptions, AggregationResult, ChallengeResult, HotkeyToUid } from './aggregate.ts';
export { parseAggregationInput } from './aggregate-input.ts';
export type { AggregationInput } from './aggregate-input.ts';
export { pythonSum, pythonSumArray, PythonFloatSum } from './python-sum.ts';
export { encodeU16, roundHalfEven, U16_MAX } from './u16.ts';
export type { U16Weights } from './u16.ts';
export { canonicalJson } from './canonical-json.ts';
export { sealVector, verifyVector, vectorDigest, SIGNER_SS58_PREFIX } from './seal.ts';
export type { VerifyResult } from './seal.ts';
export { loadSigningKey, loadOrCreateSigningKey, SigningKeyError } from './signing-key.ts';
export { buildVector, vectorExpirySeconds, VECTOR_FORMAT_VERSION, DEFAULT_EXPIRES_AFTER_SECONDS, EXPIRY_MARGIN_SECONDS } from './vector.ts';
export { countUnknownKeys } from './unknown-keys.ts';
export { vectorSchemaProblems } from './vector-schema.ts';
export { withProvenance, vectorId, provenanceProblem, PROTOCOL_VERSION, PUBLICATION_FIELDS } from './provenance.ts';
export type { PublishedVector, VectorProvenance } from './provenance.ts';
export type {
  BuildVectorInput,
  SealedVector,
  SourceOutcome,
  SourceProvenance,
  UnsealedVector,
  VectorMetagraph,
  VectorSigner,
  VectorSource,
} from './vector.ts';
