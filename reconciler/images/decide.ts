/**
 * What an image with an `update:` policy should become, decided from what the registry said: the tag to follow
 * (the channel itself, or the newest tag satisfying the SemVer range) and that tag's digest. Pure: no registry, no
 * file. Only `tag@digest` references come out of here.
 */
import semver from 'semver';
import { formatImageRef, isSemverTag, type ImageRef } from '../desired-state/image-ref.ts';
import type { UpdatePolicy } from '../desired-state/subnet.types.ts';

export type UpdateMode = 'commit' | 'pull-request';

/** A policy as the commands read it: exactly one of channel or semver (base validate guarantees it). */
export type PolicyRule = { channel: string } | { semver: string };

export function policyRule(policy: UpdatePolicy): PolicyRule {
  if (typeof policy.channel === 'string') return { channel: policy.channel };
  if (typeof policy.semver === 'string') return { semver: policy.semver };
  throw new Error('an update policy without channel or semver (base validate reports it)');
}

export function describeRule(rule: PolicyRule): string {
  return 'channel' in rule ? `channel ${rule.channel}` : `semver ${rule.semver}`;
}

export type TagChoice = { ok: true; tag: string } | { ok: false; reason: string };

/**
 * The tag the policy points at. A channel is its own tag (whether it exists is the digest lookup's answer). A range
 * takes the highest SemVer tag that satisfies it (pre-releases only when the range names one, as npm does); when
 * `1.2.3` and `v1.2.3` both exist the current tag's spelling wins, then the one without `v`.
 */
export function chooseTag(rule: PolicyRule, tags: readonly string[], currentTag?: string): TagChoice {
  if ('channel' in rule) return { ok: true, tag: rule.channel };
  const range = semver.validRange(rule.semver);
  if (range === null) return { ok: false, reason: `"${rule.semver}" is not a SemVer range` };
  const candidates = tags.filter((tag) => isSemverTag(tag) && semver.satisfies(tag, range));
  if (candidates.length === 0) {
    const semverTags = tags.filter(isSemverTag);
    const listed = semverTags.length === 0 ? 'no SemVer tags' : `SemVer tags ${semverTags.slice(0, 10).join(', ')}${semverTags.length > 10 ? ', ...' : ''}`;
    return { ok: false, reason: `no tag satisfies ${rule.semver} (the registry has ${listed})` };
  }
  const spelling = (tag: string): number => (tag === currentTag ? 0 : tag.startsWith('v') ? 2 : 1);
  const [best] = [...candidates].sort((a, b) => semver.rcompare(a, b) || spelling(a) - spelling(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { ok: true, tag: best! };
}

export interface ImageDecision {
  action: 'update' | 'current';
  from: string;
  /** Always `registry/repository:tag@sha256:...`. */
  to: string;
  tag: string;
  digest: string;
  /** The digest the file had, if any. */
  previous_digest: string | null;
}

/** The reference the file should hold: the current one's registry and repository, the chosen tag and its digest. */
export function decideImage(current: ImageRef, tag: string, digest: string): ImageDecision {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  const to: ImageRef = { repository: current.repository, tag, digest };
  if (current.registry !== undefined) to.registry = current.registry;
  const from = formatImageRef(current);
  const next = formatImageRef(to);
  return { action: next === from ? 'current' : 'update', from, to: next, tag, digest, previous_digest: current.digest ?? null };
}
