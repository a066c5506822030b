/**
 * `update:` policies (base images check/update): a policy needs the tag it works from, a channel names the image's
 * own tag, and a semver range must parse. Ranges use npm's semver grammar, read by the semver package.
 */
import semver from 'semver';
import { isSemverTag, parseImageRef } from './image-ref.ts';
import { describeValue } from './problem.ts';
import type { Finding } from './semantic-checks.ts';
import type { PathSegment } from './yaml-source.ts';

type Dict = Record<string, unknown>;
const asDict = (value: unknown): Dict | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : undefined);

/** The image-bearing objects that may carry `update:`, as paths to the object. */
export function imageOwners(root: Dict): PathSegment[][] {
  const owners: PathSegment[][] = [];
  if (asDict(root.master)) owners.push(['master']);
  if (Array.isArray(root.challenges)) root.challenges.forEach((c, i) => asDict(c) && owners.push(['challenges', i]));
  if (asDict(root.broker)) owners.push(['broker']);
  return owners;
}

export function checkUpdatePolicies(findings: Finding[], root: Dict): void {
  for (const owner of imageOwners(root)) {
    let object: unknown = root;
    for (const segment of owner) object = (object as Record<string | number, unknown>)[segment];
    const holder = asDict(object);
    const policy = asDict(holder?.update);
    if (!holder || !policy) continue;
    checkPolicy(findings, holder.image, policy, owner);
  }
}

function checkPolicy(findings: Finding[], image: unknown, policy: Dict, owner: PathSegment[]): void {
  const range = typeof policy.semver === 'string' ? policy.semver : undefined;
  const channel = typeof policy.channel === 'string' ? policy.channel : undefined;
  if ((policy.channel === undefined) === (policy.semver === undefined)) {
    findings.push({
      path: [...owner, 'update'],
      target: 'key',
      message: `found ${policy.channel === undefined ? 'neither channel nor semver' : 'both channel and semver'}; expected exactly one: channel: <tag> (follow a mutable tag's digest) or semver: <range> (newest matching tag)`,
      rule: 'update-policy-kind',
    });
  }
  if (range !== undefined && semver.validRange(range) === null) {
    findings.push({
      path: [...owner, 'update', 'semver'],
      message: `found ${describeValue(range)}, expected a SemVer range such as ^2.3, ~1.4.0, 2.x or ">=2.0.0 <3.0.0"`,
      rule: 'update-policy-semver-range',
    });
  }
  if (typeof image !== 'string') return;
  const ref = parseImageRef(image);
  if (!ref) return; // the image-ref rule reports it
  if (ref.tag === undefined) {
    const example = channel ?? (range !== undefined ? 'a SemVer tag like 2.3.0' : 'latest');
    findings.push({
      path: [...owner, 'update'],
      target: 'key',
      message: `found an update policy on ${describeValue(image)}, which has no tag; expected the image to name the tag the policy works from (${example}), e.g. registry/repository:${channel ?? '2.3.0'}@sha256:<64 hex>`,
      rule: 'update-policy-needs-tag',
    });
    return;
  }
  if (channel !== undefined && ref.tag !== channel) {
    findings.push({
      path: [...owner, 'update', 'channel'],
      message: `found the channel "${channel}" on an image tagged "${ref.tag}"; expected the image's own tag (the channel is the tag whose digest is followed)`,
      rule: 'update-policy-channel-tag',
    });
  }
  if (range !== undefined && !isSemverTag(ref.tag)) {
    findings.push({
      path: [...owner, 'update', 'semver'],
      message: `found a semver range on an image tagged "${ref.tag}"; expected a SemVer tag like 2.3.0 (the range picks among SemVer tags)`,
      rule: 'update-policy-semver-tag',
    });
  }
}
