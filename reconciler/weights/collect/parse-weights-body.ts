import { MAX_WEIGHT_KEY_LENGTH, weightKeyProblem } from './weight-key-bounds.ts';

/** What a challenge answers on `GET /internal/v1/get_weights`, checked. */
export interface ChallengeWeightsBody {
  challengeSlug: string;
  /** The epoch the challenge says it scored, when it says one. */
  reportedEpoch: number | null;
  /**
   * Key → raw score, in the order the challenge sent them (aggregation adds hotkeys in first-seen order). A key need
   * not be an SS58 address: one that is not on the metagraph burns its mass in the aggregation.
   */
  weights: Map<string, number>;
}

export class InvalidWeightsBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWeightsBodyError';
  }
}

/**
 * Untrusted text in a message: quoted, cut short, never raw control characters. JSON.stringify escapes C0 controls
 * and lone surrogates; DEL and the C1 controls are escaped here.
 */
function quote(value: string, max = 64): string {
  const quoted = JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  return quoted.replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Checks a parsed body and builds the weights Map in the same pass. Throws InvalidWeightsBodyError naming the field,
 * what was found and what was expected.
 */
export function parseWeightsBody(body: unknown, expectedSlug: string, maxHotkeys: number): ChallengeWeightsBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidWeightsBodyError(`the body is ${kindOf(body)}, expected an object {challenge_slug, epoch?, weights}`);
  }
  const doc = body as Record<string, unknown>;
  const slug = doc.challenge_slug;
  if (typeof slug !== 'string') throw new InvalidWeightsBodyError(`challenge_slug is ${kindOf(slug)}, expected the string ${quote(expectedSlug)}`);
  if (slug !== expectedSlug) throw new InvalidWeightsBodyError(`challenge_slug is ${quote(slug)}, expected ${quote(expectedSlug)}`);

  const epoch = doc.epoch;
  let reportedEpoch: number | null = null;
  if (epoch !== undefined && epoch !== null) {
    if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) {
      throw new InvalidWeightsBodyError(`epoch is ${typeof epoch === 'number' ? epoch : kindOf(epoch)}, expected an integer >= 0 or no epoch`);
    }
    reportedEpoch = epoch;
  }

  const raw = doc.weights;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidWeightsBodyError(`weights is ${kindOf(raw)}, expected an object {hotkey: number}`);
  }
  const source = raw as Record<string, unknown>;
  const weights = new Map<string, number>();
  for (const hotkey in source) {
    if (weights.size === maxHotkeys) {
      throw new InvalidWeightsBodyError(`weights has more than ${maxHotkeys} hotkeys, expected at most ${maxHotkeys}`);
    }
    const problem = weightKeyProblem(hotkey);
    if (problem !== null) {
      throw new InvalidWeightsBodyError(`weights key ${quote(hotkey)} ${problem}, expected a printable key of at most ${MAX_WEIGHT_KEY_LENGTH} characters`);
    }
    const value = source[hotkey];
    if (typeof value !== 'number') {
      throw new InvalidWeightsBodyError(`weights[${quote(hotkey)}] is ${kindOf(value)}, expected a number`);
    }
    weights.set(hotkey, value);
  }
  return { challengeSlug: slug, reportedEpoch, weights };
}
